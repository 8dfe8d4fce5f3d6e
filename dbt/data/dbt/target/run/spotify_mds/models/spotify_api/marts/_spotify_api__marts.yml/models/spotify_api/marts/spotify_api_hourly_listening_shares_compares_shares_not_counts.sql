
    -- Build actual result given inputs
with dbt_internal_unit_test_actual as (
  select
    "hour_of_day","real_plays","real_play_share","simulated_plays","simulated_play_share","share_difference", 'actual' as "actual_or_expected"
  from (
    -- Real and simulated listening side by side: the share of each source's plays that falls in each
-- hour of the day (UTC), so a simulation of millions of users and one real listener compare.
-- A simulated event counts when Spotify would list it as played: a play or skip of at least
-- `valid_play_min_ms` (Spotify's recently-played needs about 30 s of listening).
with  __dbt__cte__stg_spotify_api__recently_played as (

-- Fixture for stg_spotify_api__recently_played
select 
    
    cast('2026-11-20 08:10:00' as TIMESTAMP)
 as "played_at", cast(null as DATE) as "played_date", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "album_id", cast(null as character varying(256)) as "album_name", cast(null as BIGINT) as "duration_ms", cast(null as INTEGER) as "popularity", cast(null as character varying(256)) as "context_type", cast(null as character varying(256)) as "source_file"
union all
select 
    
    cast('2026-11-20 21:00:00' as TIMESTAMP)
 as "played_at", cast(null as DATE) as "played_date", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "album_id", cast(null as character varying(256)) as "album_name", cast(null as BIGINT) as "duration_ms", cast(null as INTEGER) as "popularity", cast(null as character varying(256)) as "context_type", cast(null as character varying(256)) as "source_file"
union all
select 
    
    cast('2026-11-20 21:05:00' as TIMESTAMP)
 as "played_at", cast(null as DATE) as "played_date", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "album_id", cast(null as character varying(256)) as "album_name", cast(null as BIGINT) as "duration_ms", cast(null as INTEGER) as "popularity", cast(null as character varying(256)) as "context_type", cast(null as character varying(256)) as "source_file"
union all
select 
    
    cast('2026-11-21 21:59:59' as TIMESTAMP)
 as "played_at", cast(null as DATE) as "played_date", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "album_id", cast(null as character varying(256)) as "album_name", cast(null as BIGINT) as "duration_ms", cast(null as INTEGER) as "popularity", cast(null as character varying(256)) as "context_type", cast(null as character varying(256)) as "source_file"
),  __dbt__cte__stg_listening_events as (

-- Fixture for stg_listening_events
select cast(null as character varying(256)) as "event_id", cast(null as character varying(256)) as "user_id", cast(null as character varying(256)) as "client_session_id", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", 
    
    cast('play' as character varying)
 as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", 
    
    cast('2026-11-02 08:00:00' as TIMESTAMP)
 as "event_at", cast(null as DATE) as "event_date", cast(null as BIGINT) as "duration_ms", 
    
    cast(200000 as BIGINT)
 as "ms_played", cast(null as character varying(256)) as "subscription_level", cast(null as character varying(256)) as "source_file", cast(null as TIMESTAMP) as "loaded_at"
union all
select cast(null as character varying(256)) as "event_id", cast(null as character varying(256)) as "user_id", cast(null as character varying(256)) as "client_session_id", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", 
    
    cast('skip' as character varying)
 as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", 
    
    cast('2026-11-02 08:30:00' as TIMESTAMP)
 as "event_at", cast(null as DATE) as "event_date", cast(null as BIGINT) as "duration_ms", 
    
    cast(45000 as BIGINT)
 as "ms_played", cast(null as character varying(256)) as "subscription_level", cast(null as character varying(256)) as "source_file", cast(null as TIMESTAMP) as "loaded_at"
union all
select cast(null as character varying(256)) as "event_id", cast(null as character varying(256)) as "user_id", cast(null as character varying(256)) as "client_session_id", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", 
    
    cast('skip' as character varying)
 as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", 
    
    cast('2026-11-02 21:00:00' as TIMESTAMP)
 as "event_at", cast(null as DATE) as "event_date", cast(null as BIGINT) as "duration_ms", 
    
    cast(5000 as BIGINT)
 as "ms_played", cast(null as character varying(256)) as "subscription_level", cast(null as character varying(256)) as "source_file", cast(null as TIMESTAMP) as "loaded_at"
union all
select cast(null as character varying(256)) as "event_id", cast(null as character varying(256)) as "user_id", cast(null as character varying(256)) as "client_session_id", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", 
    
    cast('pause' as character varying)
 as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", 
    
    cast('2026-11-02 21:00:00' as TIMESTAMP)
 as "event_at", cast(null as DATE) as "event_date", cast(null as BIGINT) as "duration_ms", 
    
    cast(90000 as BIGINT)
 as "ms_played", cast(null as character varying(256)) as "subscription_level", cast(null as character varying(256)) as "source_file", cast(null as TIMESTAMP) as "loaded_at"
), hours as (
    
    select 0 as hour_of_day union all
    select 1 as hour_of_day union all
    select 2 as hour_of_day union all
    select 3 as hour_of_day union all
    select 4 as hour_of_day union all
    select 5 as hour_of_day union all
    select 6 as hour_of_day union all
    select 7 as hour_of_day union all
    select 8 as hour_of_day union all
    select 9 as hour_of_day union all
    select 10 as hour_of_day union all
    select 11 as hour_of_day union all
    select 12 as hour_of_day union all
    select 13 as hour_of_day union all
    select 14 as hour_of_day union all
    select 15 as hour_of_day union all
    select 16 as hour_of_day union all
    select 17 as hour_of_day union all
    select 18 as hour_of_day union all
    select 19 as hour_of_day union all
    select 20 as hour_of_day union all
    select 21 as hour_of_day union all
    select 22 as hour_of_day union all
    select 23 as hour_of_day
),

real_plays as (
    select cast(extract(hour from played_at) as integer) as hour_of_day, count(*) as plays
    from __dbt__cte__stg_spotify_api__recently_played
    group by 1
),

simulated_plays as (
    select cast(extract(hour from event_at) as integer) as hour_of_day, count(*) as plays
    from __dbt__cte__stg_listening_events
    where event_type in ('play', 'skip')
      and ms_played >= 30000
    group by 1
),

totals as (
    select
        (select sum(plays) from real_plays) as real_total,
        (select sum(plays) from simulated_plays) as simulated_total
),

shares as (
    select
        hours.hour_of_day,
        coalesce(real_plays.plays, 0) as real_plays,
        coalesce(simulated_plays.plays, 0) as simulated_plays,
        case when totals.real_total > 0 then coalesce(real_plays.plays, 0) * 1.0 / totals.real_total else 0 end as real_share,
        case when totals.simulated_total > 0 then coalesce(simulated_plays.plays, 0) * 1.0 / totals.simulated_total else 0 end
            as simulated_share
    from hours
    cross join totals
    left join real_plays on hours.hour_of_day = real_plays.hour_of_day
    left join simulated_plays on hours.hour_of_day = simulated_plays.hour_of_day
)

select
    cast(hour_of_day as integer) as hour_of_day,
    cast(real_plays as bigint) as real_plays,
    cast(real_share as double precision) as real_play_share,
    cast(simulated_plays as bigint) as simulated_plays,
    cast(simulated_share as double precision) as simulated_play_share,
    cast(real_share - simulated_share as double precision) as share_difference
from shares
  ) _dbt_internal_unit_test_actual
),
-- Build expected result
dbt_internal_unit_test_expected as (
  select
    "hour_of_day", "real_plays", "real_play_share", "simulated_plays", "simulated_play_share", "share_difference", 'expected' as "actual_or_expected"
  from (
    select 
    
    cast(0 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(1 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(2 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(3 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(4 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(5 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(6 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(7 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(8 as INTEGER)
 as "hour_of_day", 
    
    cast(1 as BIGINT)
 as "real_plays", 
    
    cast(0.25 as DOUBLE)
 as "real_play_share", 
    
    cast(2 as BIGINT)
 as "simulated_plays", 
    
    cast(1.0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(-0.75 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(9 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(10 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(11 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(12 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(13 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(14 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(15 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(16 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(17 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(18 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(19 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(20 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(21 as INTEGER)
 as "hour_of_day", 
    
    cast(3 as BIGINT)
 as "real_plays", 
    
    cast(0.75 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0.75 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(22 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
union all
select 
    
    cast(23 as INTEGER)
 as "hour_of_day", 
    
    cast(0 as BIGINT)
 as "real_plays", 
    
    cast(0 as DOUBLE)
 as "real_play_share", 
    
    cast(0 as BIGINT)
 as "simulated_plays", 
    
    cast(0 as DOUBLE)
 as "simulated_play_share", 
    
    cast(0 as DOUBLE)
 as "share_difference"
  ) _dbt_internal_unit_test_expected
)
-- Union actual and expected results
select * from dbt_internal_unit_test_actual
union all
select * from dbt_internal_unit_test_expected