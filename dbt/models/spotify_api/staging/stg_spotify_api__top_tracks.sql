-- The user's top tracks per snapshot day and time range (short ≈ 4 weeks, medium ≈ 6 months, long ≈ years).
with records as (
    select
        *,
        row_number() over (partition by stream, snapshot_date, rank order by _loaded_at desc, _source_file) as copy_number
    from {{ spotify_api_records() }}
    where stream in ('user_top_tracks_st', 'user_top_tracks_mt', 'user_top_tracks_lt')
)

select
    snapshot_date,
    case stream
        when 'user_top_tracks_st' then 'short_term'
        when 'user_top_tracks_mt' then 'medium_term'
        else 'long_term'
    end as time_range,
    rank as track_rank,
    {{ spotify_track_columns('item', []) }},
    _source_file as source_file
from records
where copy_number = 1
