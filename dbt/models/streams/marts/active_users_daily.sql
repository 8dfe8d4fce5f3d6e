-- Users with at least one event per day (UTC), and how many of them played something.
select
    cast(event_date as date) as activity_date,
    cast(count(distinct user_id) as bigint) as active_users,
    cast(count(distinct case when event_type = 'play' then user_id end) as bigint) as listening_users,
    cast(count(*) as bigint) as events
from {{ ref('int_events_classified') }}
group by 1
