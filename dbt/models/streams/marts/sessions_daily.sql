-- Sessions (30-minute-gap sessionisation) by the UTC day they started: how many, by how many users,
-- and how long they lasted from first to last event (a one-event session lasts 0 minutes).
select
    cast(session_date as date) as session_date,
    cast(count(*) as bigint) as sessions,
    cast(count(distinct user_id) as bigint) as users,
    {{ spotify_mds.safe_ratio('count(*)', 'count(distinct user_id)') }} as sessions_per_user,
    cast(avg(duration_ms) as {{ spotify_mds.type_double() }}) / 60000 as avg_session_minutes,
    cast(percentile_cont(0.5) within group (order by duration_ms) as {{ spotify_mds.type_double() }}) / 60000
        as median_session_minutes
from {{ ref('int_sessions') }}
group by 1
