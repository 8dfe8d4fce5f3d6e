-- sessions_daily per country: sessions by the UTC day they started and the country of their first
-- event (int_sessions), how many users had them, and how long they lasted from first to last event.
select
    cast(session_date as date) as session_date,
    cast(country_code as {{ dbt.type_string() }}) as country_code,
    cast(count(*) as bigint) as sessions,
    cast(count(distinct user_id) as bigint) as users,
    cast(avg(duration_ms) as {{ spotify_mds.type_double() }}) / 60000 as avg_session_minutes
from {{ ref('int_sessions') }}
group by 1, 2
