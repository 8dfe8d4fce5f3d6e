
    -- Build actual result given inputs
with dbt_internal_unit_test_actual as (
  select
    "event_date","upgrades","downgrades", 'actual' as "actual_or_expected"
  from (
    -- Subscription changes per UTC day: an upgrade is a user's event at level `paid` whose previous
-- event (by event time, then event id) was at level `free`; a downgrade the reverse. One row per
-- day with events that carry a level, zeros included.
with  __dbt__cte__stg_listening_events as (

-- Fixture for stg_listening_events
select 
    
    cast('a' as character varying)
 as "event_id", 
    
    cast('u1' as character varying)
 as "user_id", cast(null as character varying(256)) as "client_session_id", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", 
    
    cast('2026-11-02 10:00:00' as TIMESTAMP)
 as "event_at", 
    
    cast('2026-11-02' as DATE)
 as "event_date", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played", 
    
    cast('free' as character varying)
 as "subscription_level", cast(null as character varying(256)) as "source_file", cast(null as TIMESTAMP) as "loaded_at"
union all
select 
    
    cast('b' as character varying)
 as "event_id", 
    
    cast('u1' as character varying)
 as "user_id", cast(null as character varying(256)) as "client_session_id", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", 
    
    cast('2026-11-03 09:00:00' as TIMESTAMP)
 as "event_at", 
    
    cast('2026-11-03' as DATE)
 as "event_date", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played", 
    
    cast('paid' as character varying)
 as "subscription_level", cast(null as character varying(256)) as "source_file", cast(null as TIMESTAMP) as "loaded_at"
union all
select 
    
    cast('c' as character varying)
 as "event_id", 
    
    cast('u1' as character varying)
 as "user_id", cast(null as character varying(256)) as "client_session_id", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", 
    
    cast('2026-11-03 09:05:00' as TIMESTAMP)
 as "event_at", 
    
    cast('2026-11-03' as DATE)
 as "event_date", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played", 
    
    cast('paid' as character varying)
 as "subscription_level", cast(null as character varying(256)) as "source_file", cast(null as TIMESTAMP) as "loaded_at"
union all
select 
    
    cast('d' as character varying)
 as "event_id", 
    
    cast('u1' as character varying)
 as "user_id", cast(null as character varying(256)) as "client_session_id", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", 
    
    cast('2026-11-04 08:00:00' as TIMESTAMP)
 as "event_at", 
    
    cast('2026-11-04' as DATE)
 as "event_date", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played", 
    
    cast('free' as character varying)
 as "subscription_level", cast(null as character varying(256)) as "source_file", cast(null as TIMESTAMP) as "loaded_at"
union all
select 
    
    cast('e' as character varying)
 as "event_id", 
    
    cast('u2' as character varying)
 as "user_id", cast(null as character varying(256)) as "client_session_id", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", 
    
    cast('2026-11-03 07:00:00' as TIMESTAMP)
 as "event_at", 
    
    cast('2026-11-03' as DATE)
 as "event_date", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played", 
    
    cast('paid' as character varying)
 as "subscription_level", cast(null as character varying(256)) as "source_file", cast(null as TIMESTAMP) as "loaded_at"
), leveled as (
    select
        event_date,
        subscription_level,
        lag(subscription_level) over (partition by user_id order by event_at, event_id) as previous_level
    from __dbt__cte__stg_listening_events
    where subscription_level is not null
)

select
    cast(event_date as date) as event_date,
    cast(count(case when previous_level = 'free' and subscription_level = 'paid' then 1 end) as bigint) as upgrades,
    cast(count(case when previous_level = 'paid' and subscription_level = 'free' then 1 end) as bigint) as downgrades
from leveled
group by 1
  ) _dbt_internal_unit_test_actual
),
-- Build expected result
dbt_internal_unit_test_expected as (
  select
    "event_date", "upgrades", "downgrades", 'expected' as "actual_or_expected"
  from (
    select 
    
    cast('2026-11-02' as DATE)
 as "event_date", 
    
    cast(0 as BIGINT)
 as "upgrades", 
    
    cast(0 as BIGINT)
 as "downgrades"
union all
select 
    
    cast('2026-11-03' as DATE)
 as "event_date", 
    
    cast(1 as BIGINT)
 as "upgrades", 
    
    cast(0 as BIGINT)
 as "downgrades"
union all
select 
    
    cast('2026-11-04' as DATE)
 as "event_date", 
    
    cast(0 as BIGINT)
 as "upgrades", 
    
    cast(1 as BIGINT)
 as "downgrades"
  ) _dbt_internal_unit_test_expected
)
-- Union actual and expected results
select * from dbt_internal_unit_test_actual
union all
select * from dbt_internal_unit_test_expected