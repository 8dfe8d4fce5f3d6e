
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