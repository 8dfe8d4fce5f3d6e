
-- Fixture for listening_events
select 
    
    cast('e1' as character varying)
 as "event_id", 
    
    cast('u1' as character varying)
 as "user_id", cast(null as character varying(256)) as "session_id", 
    
    cast('t1' as character varying)
 as "song_id", cast(null as character varying(256)) as "song_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", 
    
    cast('play' as character varying)
 as "event_type", cast(null as character varying(256)) as "device_type", 
    
    cast('US' as character varying)
 as "country", 
    
    cast('2026-11-02 10:00:00' as TIMESTAMP)
 as "timestamp", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played", cast(null as character varying(256)) as "level", cast(null as INTEGER) as "schema_version", 
    
    cast('a' as character varying)
 as "_source_file", 
    
    cast('2026-11-03 00:00:00' as TIMESTAMP)
 as "_loaded_at"
union all
select 
    
    cast('e1' as character varying)
 as "event_id", 
    
    cast('u1' as character varying)
 as "user_id", cast(null as character varying(256)) as "session_id", 
    
    cast('t1' as character varying)
 as "song_id", cast(null as character varying(256)) as "song_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", 
    
    cast('play' as character varying)
 as "event_type", cast(null as character varying(256)) as "device_type", 
    
    cast('US' as character varying)
 as "country", 
    
    cast('2026-11-02 10:00:00' as TIMESTAMP)
 as "timestamp", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played", cast(null as character varying(256)) as "level", cast(null as INTEGER) as "schema_version", 
    
    cast('b' as character varying)
 as "_source_file", 
    
    cast('2026-11-03 01:00:00' as TIMESTAMP)
 as "_loaded_at"
union all
select 
    
    cast('e2' as character varying)
 as "event_id", 
    
    cast('u1' as character varying)
 as "user_id", cast(null as character varying(256)) as "session_id", 
    
    cast('t2' as character varying)
 as "song_id", cast(null as character varying(256)) as "song_name", cast(null as character varying(256)) as "artist_id", cast(null as character varying(256)) as "artist_name", 
    
    cast('skip' as character varying)
 as "event_type", cast(null as character varying(256)) as "device_type", 
    
    cast('US' as character varying)
 as "country", 
    
    cast('2026-11-02 10:03:00' as TIMESTAMP)
 as "timestamp", cast(null as BIGINT) as "duration_ms", cast(null as BIGINT) as "ms_played", cast(null as character varying(256)) as "level", cast(null as INTEGER) as "schema_version", 
    
    cast('b' as character varying)
 as "_source_file", 
    
    cast('2026-11-03 01:00:00' as TIMESTAMP)
 as "_loaded_at"