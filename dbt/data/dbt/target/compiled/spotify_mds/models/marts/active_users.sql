-- Daily, weekly (ISO weeks, from Monday) and monthly active users: distinct users with any event.


select
    cast('day' as TEXT) as period,
    cast(date_trunc('day', event_at) as date) as period_start,
    cast(count(distinct user_id) as bigint) as active_users
from "warehouse"."silver"."stg_listening_events"
group by 1, 2
union all

select
    cast('week' as TEXT) as period,
    cast(date_trunc('week', event_at) as date) as period_start,
    cast(count(distinct user_id) as bigint) as active_users
from "warehouse"."silver"."stg_listening_events"
group by 1, 2
union all

select
    cast('month' as TEXT) as period,
    cast(date_trunc('month', event_at) as date) as period_start,
    cast(count(distinct user_id) as bigint) as active_users
from "warehouse"."silver"."stg_listening_events"
group by 1, 2

