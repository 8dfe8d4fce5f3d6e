
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