
  
  create view "warehouse"."silver"."stg_spotify_api__top_artists__dbt_tmp" as (
    -- The user's top artists per snapshot day and time range.
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
    json_extract_string(item, '$.id') as artist_id,
    json_extract_string(item, '$.name') as artist_name,
    json_extract_string(item, '$.genres') as genres,
    cast(json_extract_string(item, '$.popularity') as integer) as popularity,
    cast(json_extract_string(item, '$.followers.total') as bigint) as followers,
    _source_file as source_file
from records
where copy_number = 1
  );
