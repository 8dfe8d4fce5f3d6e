-- The user's saved tracks ("Liked Songs") per snapshot day, newest saved first.
with records as (
    select
        *,
        row_number() over (partition by snapshot_date, rank order by _loaded_at desc, _source_file) as copy_number
    from {{ spotify_api_records() }}
    where stream = 'user_saved_tracks'
)

select
    snapshot_date,
    rank as saved_rank,
    cast({{ spotify_json_text('item', ['added_at']) }} as timestamp) as saved_at,
    {{ spotify_track_columns('item', ['track']) }},
    _source_file as source_file
from records
where copy_number = 1
  and {{ spotify_json_text('item', ['track', 'id']) }} is not null
