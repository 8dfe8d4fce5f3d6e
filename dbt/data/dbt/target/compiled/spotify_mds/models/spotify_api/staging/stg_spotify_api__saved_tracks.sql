-- The user's saved tracks ("Liked Songs") per snapshot day, newest saved first.
with records as (
    select
        *,
        row_number() over (partition by snapshot_date, rank order by _loaded_at desc, _source_file) as copy_number
    from (select
            cast(null as TEXT) as stream,
            cast(null as date) as snapshot_date,
            cast(null as integer) as rank,
            cast(null as timestamp) as played_at,
            cast(null as TEXT) as item,
            cast(null as TEXT) as _source_file,
            cast(null as timestamp) as _loaded_at
        where 1 = 0) as spotify_api_records_empty
    where stream = 'user_saved_tracks'
)

select
    snapshot_date,
    rank as saved_rank,
    cast(json_extract_string(item, '$.added_at') as timestamp) as saved_at,
    json_extract_string(item, '$.track.id') as track_id,
    json_extract_string(item, '$.track.name') as track_name,
    json_extract_string(item, '$.track.artists[0].id') as artist_id,
    json_extract_string(item, '$.track.artists[0].name') as artist_name,
    json_extract_string(item, '$.track.album.id') as album_id,
    json_extract_string(item, '$.track.album.name') as album_name,
    cast(json_extract_string(item, '$.track.duration_ms') as bigint) as duration_ms,
    cast(json_extract_string(item, '$.track.popularity') as integer) as popularity,
    _source_file as source_file
from records
where copy_number = 1
  and json_extract_string(item, '$.track.id') is not null