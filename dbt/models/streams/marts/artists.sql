-- One row per artist listened to (a track of theirs started) over all history: name, how many of
-- their tracks were started,
-- first and last listen, and the listening figures every entity carries (macros/streams/marts.sql).
with figures as (
    select
        artist_id,
        max(artist_name) as artist_name,
        count(distinct case when is_listen then track_id end) as tracks,
        {{ spotify_mds.listening_figures() }}
    from {{ ref('int_events_classified') }}
    group by artist_id
    having count(case when is_listen then 1 end) > 0
)

select
    cast(artist_id as {{ dbt.type_string() }}) as artist_id,
    cast(artist_name as {{ dbt.type_string() }}) as artist_name,
    cast(tracks as bigint) as tracks,
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
