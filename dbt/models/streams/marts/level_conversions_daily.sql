-- Subscription changes per UTC day: an upgrade is a user's event at level `paid` whose previous
-- event (by event time, then event id) was at level `free`; a downgrade the reverse. One row per
-- day with events that carry a level, zeros included.
with leveled as (
    select
        event_date,
        subscription_level,
        lag(subscription_level) over (partition by user_id order by event_at, event_id) as previous_level
    from {{ ref('int_events_classified') }}
    where subscription_level is not null
)

select
    cast(event_date as date) as event_date,
    cast(count(case when previous_level = 'free' and subscription_level = 'paid' then 1 end) as bigint) as upgrades,
    cast(count(case when previous_level = 'paid' and subscription_level = 'free' then 1 end) as bigint) as downgrades
from leveled
group by 1
