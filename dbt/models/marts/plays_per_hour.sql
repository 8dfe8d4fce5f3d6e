-- Plays (events of type `play`), listeners and listening time per hour of event time (UTC).
select
    cast({{ dbt.date_trunc('hour', 'event_at') }} as timestamp) as hour_at,
    cast(count(*) as bigint) as plays,
    cast(count(distinct user_id) as bigint) as listeners,
    cast(coalesce(sum(ms_played), 0) as bigint) as ms_played
from {{ ref('stg_listening_events') }}
where event_type = 'play'
group by 1
