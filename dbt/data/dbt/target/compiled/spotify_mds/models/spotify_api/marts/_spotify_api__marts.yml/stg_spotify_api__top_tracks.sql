
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