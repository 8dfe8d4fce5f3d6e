-- One row per artist, real or simulated (see spotify_api_tracks); genres, popularity and followers
-- come from the latest full artist object (top artists), names from the latest sighting.
with api_ranked as (
    select
        *,
        row_number() over (partition by artist_id order by seen_at desc, seen_in desc) as recency,
        row_number() over (
            partition by artist_id order by case when genres is null then 1 else 0 end, seen_at desc
        ) as full_recency
    from {{ ref('int_spotify_api__artists_unioned') }}
),

api as (
    select
        artist_id,
        max(case when recency = 1 then artist_name end) as artist_name,
        max(case when full_recency = 1 then genres end) as genres,
        max(case when full_recency = 1 then popularity end) as popularity,
        max(case when full_recency = 1 then followers end) as followers
    from api_ranked
    group by artist_id
),

simulated as (
    select artist_id, max(artist_name) as artist_name
    from {{ ref('stg_streams__listening_events') }}
    where artist_id is not null
    group by artist_id
)

select
    cast(coalesce(api.artist_id, simulated.artist_id) as {{ dbt.type_string() }}) as artist_id,
    cast(coalesce(api.artist_name, simulated.artist_name) as {{ dbt.type_string() }}) as artist_name,
    cast(api.genres as {{ dbt.type_string() }}) as genres,
    cast(api.popularity as integer) as popularity,
    cast(api.followers as bigint) as followers,
    api.artist_id is not null as is_from_spotify_api,
    simulated.artist_id is not null as is_simulated
from api
full outer join simulated on api.artist_id = simulated.artist_id
