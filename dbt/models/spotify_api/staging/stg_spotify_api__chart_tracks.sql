-- The global charts (Spotify's editorial playlists), when the API still serves them to the app:
-- for apps created after 2024-11-27 it answers 404 and this model stays empty.
with records as (
    select
        *,
        row_number() over (partition by stream, snapshot_date, rank order by _loaded_at desc, _source_file) as copy_number
    from {{ spotify_api_records() }}
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
    {{ spotify_track_columns('item', ['track']) }},
    _source_file as source_file
from records
where copy_number = 1
  and {{ spotify_json_text('item', ['track', 'id']) }} is not null
