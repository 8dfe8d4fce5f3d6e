with __dbt__cte__int_listens_sessionized as (

-- Fixture for int_listens_sessionized
select cast(null as character varying(256)) as "event_id", 
    
    cast('u1' as character varying)
 as "user_id", 
    
    cast('u1-1' as character varying)
 as "session_id", cast(null as HUGEINT) as "session_number", cast(null as BOOLEAN) as "is_session_start", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", cast(null as character varying(256)) as "subscription_level", 
    
    cast('2026-11-02 23:50:00' as TIMESTAMP)
 as "event_at", cast(null as DATE) as "event_date", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played"
union all
select cast(null as character varying(256)) as "event_id", 
    
    cast('u1' as character varying)
 as "user_id", 
    
    cast('u1-1' as character varying)
 as "session_id", cast(null as HUGEINT) as "session_number", cast(null as BOOLEAN) as "is_session_start", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", cast(null as character varying(256)) as "subscription_level", 
    
    cast('2026-11-03 00:05:30' as TIMESTAMP)
 as "event_at", cast(null as DATE) as "event_date", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played"
union all
select cast(null as character varying(256)) as "event_id", 
    
    cast('u2' as character varying)
 as "user_id", 
    
    cast('u2-1' as character varying)
 as "session_id", cast(null as HUGEINT) as "session_number", cast(null as BOOLEAN) as "is_session_start", cast(null as character varying(256)) as "track_id", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "event_type", cast(null as character varying(256)) as "device_type", cast(null as character varying(256)) as "country_code", cast(null as character varying(256)) as "subscription_level", 
    
    cast('2026-11-03 08:00:00' as TIMESTAMP)
 as "event_at", cast(null as DATE) as "event_date", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played"
) -- One row per listening session (30-minute-gap sessionisation): who, when it started and ended,
-- how many events, and how long it lasted (first to last event).
select
    session_id,
    user_id,
    min(event_at) as started_at,
    max(event_at) as ended_at,
    cast(min(event_at) as date) as session_date,
    cast(count(*) as bigint) as events,
    max(epoch_ms(event_at)) - min(epoch_ms(event_at)) as duration_ms
from __dbt__cte__int_listens_sessionized
group by session_id, user_id