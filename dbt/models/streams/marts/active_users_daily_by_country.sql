-- active_users_daily per country: users with at least one event per UTC day in that country, and how
-- many of them played something there. A user counts in each country they had events in that day,
-- so the countries' figures need not add up to the all-countries one.
select
    cast(event_date as date) as activity_date,
    cast(country_code as {{ dbt.type_string() }}) as country_code,
    cast(count(distinct user_id) as bigint) as active_users,
    cast(count(distinct case when event_type = 'play' then user_id end) as bigint) as listening_users,
    cast(count(*) as bigint) as events
from {{ ref('int_events_classified') }}
group by 1, 2
