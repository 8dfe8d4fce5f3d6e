-- The user's real play history, one row per play (played_at is unique for one user). A play read
-- twice (a re-read page after a crash) keeps its earliest-loaded copy.
with records as (
    select
        *,
        row_number() over (partition by played_at order by _loaded_at, _source_file) as copy_number
    from {{ spotify_api_records() }}
    where stream = 'recently_played'
)

select
    cast(played_at as timestamp) as played_at,
    cast(played_at as date) as played_date,
    {{ spotify_track_columns('item', ['track']) }},
    {{ spotify_json_text('item', ['context', 'type']) }} as context_type,
    _source_file as source_file
from records
where copy_number = 1
