
    
      
    

    create  table
      "warehouse"."gold"."listening_hourly__dbt_tmp"
  
  (
    hour_at timestamp not null,
    country_code varchar,
    device_type varchar,
    plays bigint,
    skips bigint,
    pauses bigint,
    playlist_adds bigint,
    listeners bigint,
    ms_played bigint
    
    )
 ;
    
    
    insert into "warehouse"."gold"."listening_hourly__dbt_tmp" 
  (
    
      
      
      hour_at ,
    
      
      
      country_code ,
    
      
      
      device_type ,
    
      
      
      plays ,
    
      
      
      skips ,
    
      
      
      pauses ,
    
      
      
      playlist_adds ,
    
      
      
      listeners ,
    
      
      
      ms_played 
    
  )
 (
      
    select hour_at, country_code, device_type, plays, skips, pauses, playlist_adds, listeners, ms_played
    from (
        -- Listening activity per UTC hour × country × device. `listeners` are users who started a track
-- (a play or a skip); `ms_played` is time listened over plays and skips (a pause's or a playlist
-- add's ms_played is a position in the track, not extra listening).
select
    cast(date_trunc('hour', event_at) as timestamp) as hour_at,
    country_code,
    device_type,
    cast(count(case when event_type = 'play' then 1 end) as bigint) as plays,
    cast(count(case when event_type = 'skip' then 1 end) as bigint) as skips,
    cast(count(case when event_type = 'pause' then 1 end) as bigint) as pauses,
    cast(count(case when event_type = 'add_to_playlist' then 1 end) as bigint) as playlist_adds,
    cast(count(distinct case when event_type in ('play', 'skip') then user_id end) as bigint) as listeners,
    cast(coalesce(sum(case when event_type in ('play', 'skip') then ms_played end), 0) as bigint) as ms_played
from "warehouse"."silver"."stg_listening_events"
group by 1, 2, 3
    ) as model_subq
    );
  