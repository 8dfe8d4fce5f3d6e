-- Daily, weekly (ISO weeks, from Monday) and monthly active users: distinct users with any event.
{% set periods = ['day', 'week', 'month'] %}
{% for period in periods %}
select
    cast('{{ period }}' as {{ dbt.type_string() }}) as period,
    {{ spotify_mds.period_start(period, 'event_at') }} as period_start,
    cast(count(distinct user_id) as bigint) as active_users
from {{ ref('int_events_classified') }}
group by 1, 2
{% if not loop.last %}union all{% endif %}
{% endfor %}
