-- Every event with the listening session it belongs to: a user's session ends after more than
-- `session_gap_minutes` without any event (the player's own session id is not trusted for this).
-- Gaps are compared in milliseconds (datediff in seconds counts boundaries crossed on some adapters).
with  __dbt__cte__stg_listening_events as (

-- Fixture for stg_listening_events
select 
    
    cast('a' as character varying)
 as "event_id", 
    
    cast('u1' as character varying)
 as "user_id", cast(null as character varying(256)) as "client_session_id", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", 
    
    cast('2026-11-02 10:00:00' as TIMESTAMP)
 as "event_at", cast(null as DATE) as "event_date", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played", cast(null as character varying(256)) as "subscription_level", cast(null as character varying(256)) as "source_file", cast(null as TIMESTAMP) as "loaded_at"
union all
select 
    
    cast('b' as character varying)
 as "event_id", 
    
    cast('u1' as character varying)
 as "user_id", cast(null as character varying(256)) as "client_session_id", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", 
    
    cast('2026-11-02 10:10:00' as TIMESTAMP)
 as "event_at", cast(null as DATE) as "event_date", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played", cast(null as character varying(256)) as "subscription_level", cast(null as character varying(256)) as "source_file", cast(null as TIMESTAMP) as "loaded_at"
union all
select 
    
    cast('c' as character varying)
 as "event_id", 
    
    cast('u1' as character varying)
 as "user_id", cast(null as character varying(256)) as "client_session_id", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", 
    
    cast('2026-11-02 10:35:00' as TIMESTAMP)
 as "event_at", cast(null as DATE) as "event_date", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played", cast(null as character varying(256)) as "subscription_level", cast(null as character varying(256)) as "source_file", cast(null as TIMESTAMP) as "loaded_at"
union all
select 
    
    cast('d' as character varying)
 as "event_id", 
    
    cast('u1' as character varying)
 as "user_id", cast(null as character varying(256)) as "client_session_id", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", 
    
    cast('2026-11-02 11:06:00' as TIMESTAMP)
 as "event_at", cast(null as DATE) as "event_date", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played", cast(null as character varying(256)) as "subscription_level", cast(null as character varying(256)) as "source_file", cast(null as TIMESTAMP) as "loaded_at"
union all
select 
    
    cast('e' as character varying)
 as "event_id", 
    
    cast('u2' as character varying)
 as "user_id", cast(null as character varying(256)) as "client_session_id", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "track_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", cast(null as character varying(256)) as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", 
    
    cast('2026-11-02 10:05:00' as TIMESTAMP)
 as "event_at", cast(null as DATE) as "event_date", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played", cast(null as character varying(256)) as "subscription_level", cast(null as character varying(256)) as "source_file", cast(null as TIMESTAMP) as "loaded_at"
), ordered as (
    select
        *,
        lag(event_at) over (partition by user_id order by event_at, event_id) as previous_event_at
    from __dbt__cte__stg_listening_events
),

flagged as (
    select
        *,
        case
            when previous_event_at is null then 1
            when epoch_ms(event_at) - epoch_ms(previous_event_at)
                > 1800000 then 1
            else 0
        end as session_start_flag
    from ordered
),

numbered as (
    select
        *,
        sum(session_start_flag) over (
            partition by user_id order by event_at, event_id rows between unbounded preceding and current row
        ) as session_number
    from flagged
)

select
    event_id,
    user_id,
    user_id || '-' || cast(session_number as TEXT) as session_id,
    session_number,
    session_start_flag = 1 as is_session_start,
    track_id,
    artist_id,
    event_type,
    device_type,
    country_code,
    subscription_level,
    event_at,
    event_date,
    duration_ms,
    ms_played
from numbered