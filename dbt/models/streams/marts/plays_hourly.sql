-- Plays (events of type `play`), listeners (users who played) and time listened per hour of event
-- time (UTC). Time listened follows the one rule every mart uses (int_events_classified): plays and
-- skips, so an hour's ms_played equals the sum of its rows in listening_hourly_by_country_device.
select
    cast({{ dbt.date_trunc('hour', 'event_at') }} as timestamp) as hour_at,
    cast(count(case when event_type = 'play' then 1 end) as bigint) as plays,
    cast(count(distinct case when event_type = 'play' then user_id end) as bigint) as listeners,
    cast(coalesce(sum(listened_ms), 0) as bigint) as ms_played
from {{ ref('int_events_classified') }}
where is_listen
group by 1
