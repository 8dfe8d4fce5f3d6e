
  
  create view "warehouse"."silver"."stg_spotify_api__top_tracks__dbt_tmp" as (
    -- The user's top tracks per snapshot day and time range (short ≈ 4 weeks, medium ≈ 6 months, long ≈ years).
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
    json_extract_string(item, '$.id') as track_id,
    json_extract_string(item, '$.name') as track_name,
    json_extract_string(item, '$.artists[0].id') as artist_id,
    json_extract_string(item, '$.artists[0].name') as artist_name,
    json_extract_string(item, '$.album.id') as album_id,
    json_extract_string(item, '$.album.name') as album_name,
    cast(json_extract_string(item, '$.duration_ms') as bigint) as duration_ms,
    cast(json_extract_string(item, '$.popularity') as integer) as popularity,
    _source_file as source_file
from records
where copy_number = 1
  );
