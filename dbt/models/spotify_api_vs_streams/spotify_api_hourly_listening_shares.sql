-- Real and simulated listening side by side: the share of each source's plays that falls in each
-- hour of the day (UTC), so a simulation of millions of users and one real listener compare.
-- A simulated event counts when Spotify would list it as played: a play or skip of at least
-- `valid_play_min_ms` (Spotify's recently-played needs about 30 s of listening).
with hours as (
    {{ spotify_hours_of_day() }}
),

real_plays as (
    select cast(extract(hour from played_at) as integer) as hour_of_day, count(*) as plays
    from {{ ref('stg_spotify_api__recently_played') }}
    group by 1
),

simulated_plays as (
    select cast(extract(hour from event_at) as integer) as hour_of_day, count(*) as plays
    from {{ ref('stg_streams__listening_events') }}
    where event_type in ('play', 'skip')
      and ms_played >= {{ var('valid_play_min_ms') }}
    group by 1
),

totals as (
    select
        (select sum(plays) from real_plays) as real_total,
        (select sum(plays) from simulated_plays) as simulated_total
),

shares as (
    select
        hours.hour_of_day,
        coalesce(real_plays.plays, 0) as real_plays,
        coalesce(simulated_plays.plays, 0) as simulated_plays,
        case when totals.real_total > 0 then coalesce(real_plays.plays, 0) * 1.0 / totals.real_total else 0 end as real_share,
        case when totals.simulated_total > 0 then coalesce(simulated_plays.plays, 0) * 1.0 / totals.simulated_total else 0 end
            as simulated_share
    from hours
    cross join totals
    left join real_plays on hours.hour_of_day = real_plays.hour_of_day
    left join simulated_plays on hours.hour_of_day = simulated_plays.hour_of_day
)

select
    cast(hour_of_day as integer) as hour_of_day,
    cast(real_plays as bigint) as real_plays,
    cast(real_share as double precision) as real_play_share,
    cast(simulated_plays as bigint) as simulated_plays,
    cast(simulated_share as double precision) as simulated_play_share,
    cast(real_share - simulated_share as double precision) as share_difference
from shares
