-- Listening activity per UTC hour × country × device. `listeners` are users who started a track
-- (a play or a skip); `ms_played` is time listened, by the rule every mart uses (int_events_classified).
select
    cast({{ dbt.date_trunc('hour', 'event_at') }} as timestamp) as hour_at,
    country_code,
    device_type,
    cast(count(case when event_type = 'play' then 1 end) as bigint) as plays,
    cast(count(case when event_type = 'skip' then 1 end) as bigint) as skips,
    cast(count(case when event_type = 'pause' then 1 end) as bigint) as pauses,
    cast(count(case when event_type = 'add_to_playlist' then 1 end) as bigint) as playlist_adds,
    cast(count(distinct case when is_listen then user_id end) as bigint) as listeners,
    cast(coalesce(sum(listened_ms), 0) as bigint) as ms_played
from {{ ref('int_events_classified') }}
group by 1, 2, 3
