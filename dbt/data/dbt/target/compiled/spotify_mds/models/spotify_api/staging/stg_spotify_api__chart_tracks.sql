-- The global charts (Spotify's editorial playlists), when the API still serves them to the app:
-- for apps created after 2024-11-27 it answers 404 and this model stays empty.
with records as (
    select
        *,
        row_number() over (partition by stream, snapshot_date, rank order by _loaded_at desc, _source_file) as copy_number
    from (select
            cast(null as TEXT) as stream,
            cast(null as date) as snapshot_date,
            cast(null as integer) as rank,
            cast(null as timestamp) as played_at,
            cast(null as TEXT) as item,
            cast(null as TEXT) as _source_file,
            cast(null as timestamp) as _loaded_at
        where 1 = 0) as spotify_api_records_empty
    where stream in ('global_top_tracks_daily', 'global_top_tracks_weekly', 'global_viral_tracks_daily')
)

select
    snapshot_date,
    case stream
        when 'global_top_tracks_daily' then 'global_top_daily'
        when 'global_top_tracks_weekly' then 'global_top_weekly'
        else 'global_viral_daily'
    end as chart_name,
    rank as chart_rank,
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