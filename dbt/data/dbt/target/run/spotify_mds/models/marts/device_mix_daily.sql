
    
      
    

    create  table
      "warehouse"."gold"."device_mix_daily__dbt_tmp"
  
  (
    event_date date not null,
    device_type varchar,
    plays bigint,
    listeners bigint
    
    )
 ;
    
    
    insert into "warehouse"."gold"."device_mix_daily__dbt_tmp" 
  (
    
      
      
      event_date ,
    
      
      
      device_type ,
    
      
      
      plays ,
    
      
      
      listeners 
    
  )
 (
      
    select event_date, device_type, plays, listeners
    from (
        -- Plays (events of type `play`) and distinct listeners per UTC day and device.
select
    cast(event_date as date) as event_date,
    cast(device_type as TEXT) as device_type,
    cast(count(*) as bigint) as plays,
    cast(count(distinct user_id) as bigint) as listeners
from "warehouse"."silver"."stg_listening_events"
where event_type = 'play'
group by 1, 2
    ) as model_subq
    );
  