
    
      
    

    create  table
      "warehouse"."gold"."top_artists_daily__dbt_tmp"
  
  (
    event_date date not null,
    artist_rank bigint,
    artist_id varchar,
    artist_name varchar,
    plays bigint,
    listeners bigint
    
    )
 ;
    
    
    insert into "warehouse"."gold"."top_artists_daily__dbt_tmp" 
  (
    
      
      
      event_date ,
    
      
      
      artist_rank ,
    
      
      
      artist_id ,
    
      
      
      artist_name ,
    
      
      
      plays ,
    
      
      
      listeners 
    
  )
 (
      
    select event_date, artist_rank, artist_id, artist_name, plays, listeners
    from (
        -- The most played artists of each day (ties broken by artist id).
with daily as (
    select
        event_date,
        artist_id,
        max(artist_name) as artist_name,
        count(*) as plays,
        count(distinct user_id) as listeners
    from "warehouse"."silver"."stg_listening_events"
    where event_type = 'play'
    group by 1, 2
),

ranked as (
    select
        *,
        row_number() over (partition by event_date order by plays desc, artist_id) as artist_rank
    from daily
)

select
    cast(event_date as date) as event_date,
    cast(artist_rank as bigint) as artist_rank,
    cast(artist_id as TEXT) as artist_id,
    cast(artist_name as TEXT) as artist_name,
    cast(plays as bigint) as plays,
    cast(listeners as bigint) as listeners
from ranked
where artist_rank <= 50
    ) as model_subq
    );
  