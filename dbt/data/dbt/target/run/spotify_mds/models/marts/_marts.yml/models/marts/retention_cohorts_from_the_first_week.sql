
    -- Build actual result given inputs
with dbt_internal_unit_test_actual as (
  select
    "cohort_week","week_number","cohort_users","retained_users","retention_rate", 'actual' as "actual_or_expected"
  from (
    -- Weekly retention: a user's cohort is the ISO week (from Monday) of their first event; week N
-- counts the cohort's users with any event N weeks later (week 0 is the cohort itself, rate 1).
with  __dbt__cte__stg_listening_events as (

-- Fixture for stg_listening_events
select cast(null as character varying(256)) as "event_id", 
    
    cast('u1' as character varying)
 as "user_id", cast(null as character varying(256)) as "client_session_id", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", 
    
    cast('2026-11-02 10:00:00' as TIMESTAMP)
 as "event_at", cast(null as DATE) as "event_date", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played", cast(null as character varying(256)) as "subscription_level", cast(null as character varying(256)) as "source_file", cast(null as TIMESTAMP) as "loaded_at"
union all
select cast(null as character varying(256)) as "event_id", 
    
    cast('u1' as character varying)
 as "user_id", cast(null as character varying(256)) as "client_session_id", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", 
    
    cast('2026-11-10 10:00:00' as TIMESTAMP)
 as "event_at", cast(null as DATE) as "event_date", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played", cast(null as character varying(256)) as "subscription_level", cast(null as character varying(256)) as "source_file", cast(null as TIMESTAMP) as "loaded_at"
union all
select cast(null as character varying(256)) as "event_id", 
    
    cast('u2' as character varying)
 as "user_id", cast(null as character varying(256)) as "client_session_id", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", 
    
    cast('2026-11-08 23:00:00' as TIMESTAMP)
 as "event_at", cast(null as DATE) as "event_date", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played", cast(null as character varying(256)) as "subscription_level", cast(null as character varying(256)) as "source_file", cast(null as TIMESTAMP) as "loaded_at"
union all
select cast(null as character varying(256)) as "event_id", 
    
    cast('u3' as character varying)
 as "user_id", cast(null as character varying(256)) as "client_session_id", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", 
    
    cast('2026-11-09 00:30:00' as TIMESTAMP)
 as "event_at", cast(null as DATE) as "event_date", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played", cast(null as character varying(256)) as "subscription_level", cast(null as character varying(256)) as "source_file", cast(null as TIMESTAMP) as "loaded_at"
), user_weeks as (
    select distinct
        user_id,
        cast(date_trunc('week', event_at) as date) as activity_week
    from __dbt__cte__stg_listening_events
),

cohorts as (
    select user_id, min(activity_week) as cohort_week
    from user_weeks
    group by user_id
),

cohort_sizes as (
    select cohort_week, count(*) as cohort_users
    from cohorts
    group by cohort_week
),

retained as (
    select
        cohorts.cohort_week,
        cast(
        (date_diff('day', cohorts.cohort_week::timestamp, user_weeks.activity_week::timestamp ))
     / 7 as integer) as week_number,
        count(distinct user_weeks.user_id) as retained_users
    from cohorts
    inner join user_weeks on user_weeks.user_id = cohorts.user_id
    group by 1, 2
)

select
    cast(retained.cohort_week as date) as cohort_week,
    cast(retained.week_number as integer) as week_number,
    cast(cohort_sizes.cohort_users as bigint) as cohort_users,
    cast(retained.retained_users as bigint) as retained_users,
    cast(retained.retained_users as double) / nullif(cast(cohort_sizes.cohort_users as double), 0) as retention_rate
from retained
inner join cohort_sizes on cohort_sizes.cohort_week = retained.cohort_week
  ) _dbt_internal_unit_test_actual
),
-- Build expected result
dbt_internal_unit_test_expected as (
  select
    "cohort_week", "week_number", "cohort_users", "retained_users", "retention_rate", 'expected' as "actual_or_expected"
  from (
    select 
    
    cast('2026-11-02' as DATE)
 as "cohort_week", 
    
    cast(0 as INTEGER)
 as "week_number", 
    
    cast(2 as BIGINT)
 as "cohort_users", 
    
    cast(2 as BIGINT)
 as "retained_users", 
    
    cast(1.0 as DOUBLE)
 as "retention_rate"
union all
select 
    
    cast('2026-11-02' as DATE)
 as "cohort_week", 
    
    cast(1 as INTEGER)
 as "week_number", 
    
    cast(2 as BIGINT)
 as "cohort_users", 
    
    cast(1 as BIGINT)
 as "retained_users", 
    
    cast(0.5 as DOUBLE)
 as "retention_rate"
union all
select 
    
    cast('2026-11-09' as DATE)
 as "cohort_week", 
    
    cast(0 as INTEGER)
 as "week_number", 
    
    cast(1 as BIGINT)
 as "cohort_users", 
    
    cast(1 as BIGINT)
 as "retained_users", 
    
    cast(1.0 as DOUBLE)
 as "retention_rate"
  ) _dbt_internal_unit_test_expected
)
-- Union actual and expected results
select * from dbt_internal_unit_test_actual
union all
select * from dbt_internal_unit_test_expected