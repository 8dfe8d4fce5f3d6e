
    
      
    

    create  table
      "warehouse"."gold"."plays_per_hour__dbt_tmp"
  
  (
    hour_at timestamp not null,
    plays bigint,
    listeners bigint,
    ms_played bigint
    
    )
 ;
    
    
    insert into "warehouse"."gold"."plays_per_hour__dbt_tmp" 
  (
    
      
      
      hour_at ,
    
      
      
      plays ,
    
      
      
      listeners ,
    
      
      
      ms_played 
    
  )
 (
      
    select hour_at, plays, listeners, ms_played
    from (
        -- Plays (events of type `play`), listeners and listening time per hour of event time (UTC).
select
    cast(date_trunc('hour', event_at) as timestamp) as hour_at,
    cast(count(*) as bigint) as plays,
    cast(count(distinct user_id) as bigint) as listeners,
    cast(sum(ms_played) as bigint) as ms_played
from "warehouse"."silver"."stg_listening_events"
where event_type = 'play'
group by 1
    ) as model_subq
    );
  