-- The most played tracks of each day (ties broken by track id, so the ranking is stable).
with daily as (
    select
        event_date,
        track_id,
        max(track_name) as track_name,
        max(artist_id) as artist_id,
        max(artist_name) as artist_name,
        count(*) as plays,
        count(distinct user_id) as listeners
    from "warehouse"."silver"."stg_listening_events"
    where event_type = 'play'
    group by 1, 2
),

ranked as (
    select
        *,
        row_number() over (partition by event_date order by plays desc, track_id) as track_rank
    from daily
)

select
    cast(event_date as date) as event_date,
    cast(track_rank as bigint) as track_rank,
    cast(track_id as TEXT) as track_id,
    cast(track_name as TEXT) as track_name,
    cast(artist_id as TEXT) as artist_id,
    cast(artist_name as TEXT) as artist_name,
    cast(plays as bigint) as plays,
    cast(listeners as bigint) as listeners
from ranked
where track_rank <= 50