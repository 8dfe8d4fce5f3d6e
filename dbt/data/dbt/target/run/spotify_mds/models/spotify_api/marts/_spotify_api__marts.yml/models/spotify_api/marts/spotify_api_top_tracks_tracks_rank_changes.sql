
    -- Build actual result given inputs
with dbt_internal_unit_test_actual as (
  select
    "snapshot_date","time_range","track_id","previous_rank","rank_change","is_new_entry", 'actual' as "actual_or_expected"
  from (
    -- The user's top tracks over time: each snapshot's ranking with the track's rank in the previous
-- snapshot of the same time range (rank_change > 0: climbed; is_new_entry: absent before).
with  __dbt__cte__stg_spotify_api__top_tracks as (

-- Fixture for stg_spotify_api__top_tracks
select 
    
    cast('2026-11-20' as DATE)
 as "snapshot_date", 
    
    cast('short_term' as character varying)
 as "time_range", 
    
    cast(1 as INTEGER)
 as "track_rank", 
    
    cast('a' as character varying)
 as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "album_id", cast(null as character varying(256)) as "album_name", cast(null as BIGINT) as "duration_ms", cast(null as INTEGER) as "popularity", cast(null as character varying(256)) as "source_file"
union all
select 
    
    cast('2026-11-20' as DATE)
 as "snapshot_date", 
    
    cast('short_term' as character varying)
 as "time_range", 
    
    cast(2 as INTEGER)
 as "track_rank", 
    
    cast('b' as character varying)
 as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "album_id", cast(null as character varying(256)) as "album_name", cast(null as BIGINT) as "duration_ms", cast(null as INTEGER) as "popularity", cast(null as character varying(256)) as "source_file"
union all
select 
    
    cast('2026-11-21' as DATE)
 as "snapshot_date", 
    
    cast('short_term' as character varying)
 as "time_range", 
    
    cast(1 as INTEGER)
 as "track_rank", 
    
    cast('b' as character varying)
 as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "album_id", cast(null as character varying(256)) as "album_name", cast(null as BIGINT) as "duration_ms", cast(null as INTEGER) as "popularity", cast(null as character varying(256)) as "source_file"
union all
select 
    
    cast('2026-11-21' as DATE)
 as "snapshot_date", 
    
    cast('short_term' as character varying)
 as "time_range", 
    
    cast(2 as INTEGER)
 as "track_rank", 
    
    cast('c' as character varying)
 as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "album_id", cast(null as character varying(256)) as "album_name", cast(null as BIGINT) as "duration_ms", cast(null as INTEGER) as "popularity", cast(null as character varying(256)) as "source_file"
union all
select 
    
    cast('2026-11-21' as DATE)
 as "snapshot_date", 
    
    cast('long_term' as character varying)
 as "time_range", 
    
    cast(1 as INTEGER)
 as "track_rank", 
    
    cast('a' as character varying)
 as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "album_id", cast(null as character varying(256)) as "album_name", cast(null as BIGINT) as "duration_ms", cast(null as INTEGER) as "popularity", cast(null as character varying(256)) as "source_file"
), ranked as (
    select snapshot_date, time_range, track_rank, track_id, track_name, artist_id, artist_name
    from __dbt__cte__stg_spotify_api__top_tracks
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
  ) _dbt_internal_unit_test_actual
),
-- Build expected result
dbt_internal_unit_test_expected as (
  select
    "snapshot_date", "time_range", "track_id", "previous_rank", "rank_change", "is_new_entry", 'expected' as "actual_or_expected"
  from (
    select 
    
    cast('2026-11-21' as DATE)
 as "snapshot_date", 
    
    cast('short_term' as character varying)
 as "time_range", 
    
    cast('b' as character varying)
 as "track_id", 
    
    cast(2 as INTEGER)
 as "previous_rank", 
    
    cast(1 as INTEGER)
 as "rank_change", 
    
    cast(False as BOOLEAN)
 as "is_new_entry"
union all
select 
    
    cast('2026-11-20' as DATE)
 as "snapshot_date", 
    
    cast('short_term' as character varying)
 as "time_range", 
    
    cast('b' as character varying)
 as "track_id", 
    
    cast(null as INTEGER)
 as "previous_rank", 
    
    cast(null as INTEGER)
 as "rank_change", 
    
    cast(False as BOOLEAN)
 as "is_new_entry"
union all
select 
    
    cast('2026-11-20' as DATE)
 as "snapshot_date", 
    
    cast('short_term' as character varying)
 as "time_range", 
    
    cast('a' as character varying)
 as "track_id", 
    
    cast(null as INTEGER)
 as "previous_rank", 
    
    cast(null as INTEGER)
 as "rank_change", 
    
    cast(False as BOOLEAN)
 as "is_new_entry"
union all
select 
    
    cast('2026-11-21' as DATE)
 as "snapshot_date", 
    
    cast('short_term' as character varying)
 as "time_range", 
    
    cast('c' as character varying)
 as "track_id", 
    
    cast(null as INTEGER)
 as "previous_rank", 
    
    cast(null as INTEGER)
 as "rank_change", 
    
    cast(True as BOOLEAN)
 as "is_new_entry"
union all
select 
    
    cast('2026-11-21' as DATE)
 as "snapshot_date", 
    
    cast('long_term' as character varying)
 as "time_range", 
    
    cast('a' as character varying)
 as "track_id", 
    
    cast(null as INTEGER)
 as "previous_rank", 
    
    cast(null as INTEGER)
 as "rank_change", 
    
    cast(False as BOOLEAN)
 as "is_new_entry"
  ) _dbt_internal_unit_test_expected
)
-- Union actual and expected results
select * from dbt_internal_unit_test_actual
union all
select * from dbt_internal_unit_test_expected