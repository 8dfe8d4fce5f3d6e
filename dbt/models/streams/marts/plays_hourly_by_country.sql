-- plays_hourly at country grain: plays, listeners (distinct users who played in that country that
-- hour) and time listened (plays and skips, int_events_classified). Distinct users do not add up
-- across devices or countries, so a country's hourly listeners are counted here, not summed from
-- listening_hourly_by_country_device (whose listeners are per device, and count skips too).
select
    cast({{ dbt.date_trunc('hour', 'event_at') }} as timestamp) as hour_at,
    country_code,
    cast(count(case when event_type = 'play' then 1 end) as bigint) as plays,
    cast(count(distinct case when event_type = 'play' then user_id end) as bigint) as listeners,
    cast(coalesce(sum(listened_ms), 0) as bigint) as ms_played
from {{ ref('int_events_classified') }}
where is_listen
group by 1, 2
