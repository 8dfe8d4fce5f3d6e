
    
      
    

    create  table
      "warehouse"."gold"."artist_skip_rates__dbt_tmp"
  
  (
    artist_id varchar not null,
    artist_name varchar,
    starts bigint,
    skips bigint,
    skip_rate float8,
    completion_rate float8
    
    )
 ;
    
    
    insert into "warehouse"."gold"."artist_skip_rates__dbt_tmp" 
  (
    
      
      
      artist_id ,
    
      
      
      artist_name ,
    
      
      
      starts ,
    
      
      
      skips ,
    
      
      
      skip_rate ,
    
      
      
      completion_rate 
    
  )
 (
      
    select artist_id, artist_name, starts, skips, skip_rate, completion_rate
    from (
        -- Per artist, over all history: starts (a play or a skip event ends every started track), skips,
-- the share skipped, and the share completed. Completed means ms_played >= duration_ms: the
-- player reports the whole length for a track listened to the end (no 95 % tolerance), and a
-- start without a duration never counts as completed.
with starts as (
    select
        artist_id,
        max(artist_name) as artist_name,
        count(*) as starts,
        count(case when event_type = 'skip' then 1 end) as skips,
        count(case when ms_played >= duration_ms then 1 end) as completions
    from "warehouse"."silver"."stg_listening_events"
    where event_type in ('play', 'skip')
    group by artist_id
)

select
    cast(artist_id as TEXT) as artist_id,
    cast(artist_name as TEXT) as artist_name,
    cast(starts as bigint) as starts,
    cast(skips as bigint) as skips,
    cast(skips as double) / nullif(cast(starts as double), 0) as skip_rate,
    cast(completions as double) / nullif(cast(starts as double), 0) as completion_rate
from starts
    ) as model_subq
    );
  