-- The user's top artists per snapshot day and time range.
with records as (
    select
        *,
        row_number() over (partition by stream, snapshot_date, rank order by _loaded_at desc, _source_file) as copy_number
    from {{ spotify_api_records() }}
    where stream in ('user_top_artists_st', 'user_top_artists_mt', 'user_top_artists_lt')
)

select
    snapshot_date,
    case stream
        when 'user_top_artists_st' then 'short_term'
        when 'user_top_artists_mt' then 'medium_term'
        else 'long_term'
    end as time_range,
    rank as artist_rank,
    {{ spotify_json_text('item', ['id']) }} as artist_id,
    {{ spotify_json_text('item', ['name']) }} as artist_name,
    {{ spotify_json_text('item', ['genres']) }} as genres,
    cast({{ spotify_json_text('item', ['popularity']) }} as integer) as popularity,
    cast({{ spotify_json_text('item', ['followers', 'total']) }} as bigint) as followers,
    _source_file as source_file
from records
where copy_number = 1
