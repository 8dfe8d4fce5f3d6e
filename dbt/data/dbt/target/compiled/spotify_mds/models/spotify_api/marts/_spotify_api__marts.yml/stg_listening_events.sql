
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