
    
      
    

    create  table
      "warehouse"."gold"."country_mix_daily__dbt_tmp"
  
  (
    event_date date not null,
    country_code varchar,
    plays bigint,
    listeners bigint
    
    )
 ;
    
    
    insert into "warehouse"."gold"."country_mix_daily__dbt_tmp" 
  (
    
      
      
      event_date ,
    
      
      
      country_code ,
    
      
      
      plays ,
    
      
      
      listeners 
    
  )
 (
      
    select event_date, country_code, plays, listeners
    from (
        -- Plays (events of type `play`) and distinct listeners per UTC day and country.
select
    cast(event_date as date) as event_date,
    cast(country_code as TEXT) as country_code,
    cast(count(*) as bigint) as plays,
    cast(count(distinct user_id) as bigint) as listeners
from "warehouse"."silver"."stg_listening_events"
where event_type = 'play'
group by 1, 2
    ) as model_subq
    );
  