-- One row per track, real (seen in any Spotify stream, latest attributes win) or simulated (played in
-- the simulated stream), so both facts join one dimension. When the simulator draws its catalog from
-- the extracted tracks (spotify_mds.pipelines.spotify_api.load_extracted_catalog), the ids coincide and a track is both.
with api_ranked as (
    select
        *,
        row_number() over (partition by track_id order by seen_at desc, seen_in) as recency
    from {{ ref('int_spotify_api__tracks_unioned') }}
),

api as (
    select * from api_ranked where recency = 1
),

simulated as (
    select
        track_id,
        max(track_name) as track_name,
        max(artist_id) as artist_id,
        max(artist_name) as artist_name,
        max(duration_ms) as duration_ms
    from {{ ref('stg_streams__listening_events') }}
    group by track_id
)

select
    cast(coalesce(api.track_id, simulated.track_id) as {{ dbt.type_string() }}) as track_id,
    cast(coalesce(api.track_name, simulated.track_name) as {{ dbt.type_string() }}) as track_name,
    cast(coalesce(api.artist_id, simulated.artist_id) as {{ dbt.type_string() }}) as artist_id,
    cast(coalesce(api.artist_name, simulated.artist_name) as {{ dbt.type_string() }}) as artist_name,
    cast(api.album_name as {{ dbt.type_string() }}) as album_name,
    cast(coalesce(api.duration_ms, simulated.duration_ms) as bigint) as duration_ms,
    cast(api.popularity as integer) as popularity,
    api.track_id is not null as is_from_spotify_api,
    simulated.track_id is not null as is_simulated
from api
full outer join simulated on api.track_id = simulated.track_id
