
    
      
    

    create  table
      "warehouse"."gold"."spotify_api_top_tracks__dbt_tmp"
  
  (
    snapshot_date date not null,
    time_range varchar,
    track_rank integer,
    track_id varchar,
    track_name varchar,
    artist_id varchar,
    artist_name varchar,
    previous_snapshot_date date,
    previous_rank integer,
    rank_change integer,
    is_new_entry boolean
    
    )
 ;
    
    
    insert into "warehouse"."gold"."spotify_api_top_tracks__dbt_tmp" 
  (
    
      
      
      snapshot_date ,
    
      
      
      time_range ,
    
      
      
      track_rank ,
    
      
      
      track_id ,
    
      
      
      track_name ,
    
      
      
      artist_id ,
    
      
      
      artist_name ,
    
      
      
      previous_snapshot_date ,
    
      
      
      previous_rank ,
    
      
      
      rank_change ,
    
      
      
      is_new_entry 
    
  )
 (
      
    select snapshot_date, time_range, track_rank, track_id, track_name, artist_id, artist_name, previous_snapshot_date, previous_rank, rank_change, is_new_entry
    from (
        -- The user's top tracks over time: each snapshot's ranking with the track's rank in the previous
-- snapshot of the same time range (rank_change > 0: climbed; is_new_entry: absent before).
with ranked as (
    select snapshot_date, time_range, track_rank, track_id, track_name, artist_id, artist_name
    from "warehouse"."silver"."stg_spotify_api__top_tracks"
),

snapshots as (
    select
        time_range,
        snapshot_date,
        lag(snapshot_date) over (partition by time_range order by snapshot_date) as previous_snapshot_date
    from (select distinct time_range, snapshot_date from ranked) as days
)

select
    cast(current_day.snapshot_date as date) as snapshot_date,
    cast(current_day.time_range as TEXT) as time_range,
    cast(current_day.track_rank as integer) as track_rank,
    cast(current_day.track_id as TEXT) as track_id,
    cast(current_day.track_name as TEXT) as track_name,
    cast(current_day.artist_id as TEXT) as artist_id,
    cast(current_day.artist_name as TEXT) as artist_name,
    cast(snapshots.previous_snapshot_date as date) as previous_snapshot_date,
    cast(previous_day.track_rank as integer) as previous_rank,
    cast(previous_day.track_rank - current_day.track_rank as integer) as rank_change,
    snapshots.previous_snapshot_date is not null and previous_day.track_id is null as is_new_entry
from ranked as current_day
inner join snapshots
    on current_day.time_range = snapshots.time_range
    and current_day.snapshot_date = snapshots.snapshot_date
left join ranked as previous_day
    on previous_day.time_range = current_day.time_range
    and previous_day.snapshot_date = snapshots.previous_snapshot_date
    and previous_day.track_id = current_day.track_id
    ) as model_subq
    );
  