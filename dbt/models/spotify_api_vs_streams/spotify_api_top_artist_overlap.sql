-- The user's real top artists, each with how the simulated stream ranks the same artist (by valid
-- plays, 1 = most played): does the simulation listen like the user? Artists match on artist_id,
-- which real and simulated data share once the simulator draws from the extracted catalog.
with simulated_artists as (
    select artist_id, count(*) as plays
    from {{ ref('stg_streams__listening_events') }}
    where event_type in ('play', 'skip')
      and ms_played >= {{ var('valid_play_min_ms') }}
    group by artist_id
),

simulated_ranked as (
    select artist_id, plays, rank() over (order by plays desc) as simulated_rank
    from simulated_artists
)

select
    cast(top.snapshot_date as date) as snapshot_date,
    cast(top.time_range as {{ dbt.type_string() }}) as time_range,
    cast(top.artist_rank as integer) as artist_rank,
    cast(top.artist_id as {{ dbt.type_string() }}) as artist_id,
    cast(top.artist_name as {{ dbt.type_string() }}) as artist_name,
    cast(coalesce(simulated_ranked.plays, 0) as bigint) as simulated_plays,
    cast(simulated_ranked.simulated_rank as bigint) as simulated_rank,
    coalesce(simulated_ranked.simulated_rank <= 50, false) as is_in_simulated_top_50
from {{ ref('stg_spotify_api__top_artists') }} as top
left join simulated_ranked on top.artist_id = simulated_ranked.artist_id
