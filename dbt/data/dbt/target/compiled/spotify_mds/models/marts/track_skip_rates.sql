-- Per track, over all history: starts (a play or a skip event ends every started track), skips,
-- the share skipped, and the share completed. Completed means ms_played >= duration_ms: the
-- player reports the whole length for a track listened to the end (no 95 % tolerance), and a
-- start without a duration never counts as completed.
with starts as (
    select
        track_id,
        max(track_name) as track_name, max(artist_id) as artist_id, max(artist_name) as artist_name,
        count(*) as starts,
        count(case when event_type = 'skip' then 1 end) as skips,
        count(case when ms_played >= duration_ms then 1 end) as completions
    from "warehouse"."silver"."stg_listening_events"
    where event_type in ('play', 'skip')
    group by track_id
)

select
    cast(track_id as TEXT) as track_id,
    cast(track_name as TEXT) as track_name,
    cast(artist_id as TEXT) as artist_id,
    cast(artist_name as TEXT) as artist_name,
    cast(starts as bigint) as starts,
    cast(skips as bigint) as skips,
    cast(skips as double) / nullif(cast(starts as double), 0) as skip_rate,
    cast(completions as double) / nullif(cast(starts as double), 0) as completion_rate
from starts