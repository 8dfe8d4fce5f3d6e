-- One row per track listened to (started: played or skipped) over all history: its names, first and last listen, and the
-- listening figures every entity carries (macros/streams/marts.sql: starts = plays + skips,
-- skip_rate = skips / starts, completion_rate = share of starts heard to the end).
with figures as (
    select
        track_id,
        max(track_name) as track_name,
        max(artist_id) as artist_id,
        max(artist_name) as artist_name,
        {{ spotify_mds.listening_figures() }}
    from {{ ref('int_events_classified') }}
    group by track_id
    having count(case when is_listen then 1 end) > 0
)

select
    cast(track_id as {{ dbt.type_string() }}) as track_id,
    cast(track_name as {{ dbt.type_string() }}) as track_name,
    cast(artist_id as {{ dbt.type_string() }}) as artist_id,
    cast(artist_name as {{ dbt.type_string() }}) as artist_name,
    cast(first_listened_at as timestamp) as first_listened_at,
    cast(last_listened_at as timestamp) as last_listened_at,
    cast(starts as bigint) as starts,
    cast(plays as bigint) as plays,
    cast(valid_plays as bigint) as valid_plays,
    cast(skips as bigint) as skips,
    cast(listeners as bigint) as listeners,
    cast(ms_played as bigint) as ms_played,
    skip_rate,
    completion_rate
from figures
