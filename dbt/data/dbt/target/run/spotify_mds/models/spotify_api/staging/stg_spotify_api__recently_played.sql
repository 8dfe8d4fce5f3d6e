
  
  create view "warehouse"."silver"."stg_spotify_api__recently_played__dbt_tmp" as (
    -- The user's real play history, one row per play (played_at is unique for one user). A play read
-- twice (a re-read page after a crash) keeps its earliest-loaded copy.
with records as (
    select
        *,
        row_number() over (partition by played_at order by _loaded_at, _source_file) as copy_number
    from (select
            cast(null as TEXT) as stream,
            cast(null as date) as snapshot_date,
            cast(null as integer) as rank,
            cast(null as timestamp) as played_at,
            cast(null as TEXT) as item,
            cast(null as TEXT) as _source_file,
            cast(null as timestamp) as _loaded_at
        where 1 = 0) as spotify_api_records_empty
    where stream = 'recently_played'
)

select
    cast(played_at as timestamp) as played_at,
    cast(played_at as date) as played_date,
    json_extract_string(item, '$.track.id') as track_id,
    json_extract_string(item, '$.track.name') as track_name,
    json_extract_string(item, '$.track.artists[0].id') as artist_id,
    json_extract_string(item, '$.track.artists[0].name') as artist_name,
    json_extract_string(item, '$.track.album.id') as album_id,
    json_extract_string(item, '$.track.album.name') as album_name,
    cast(json_extract_string(item, '$.track.duration_ms') as bigint) as duration_ms,
    cast(json_extract_string(item, '$.track.popularity') as integer) as popularity,
    json_extract_string(item, '$.context.type') as context_type,
    _source_file as source_file
from records
where copy_number = 1
  );
