-- "Hours listened" is one definition (int_events_classified): every hour's time listened in
-- plays_hourly equals the sum of its rows in listening_hourly_by_country_device. Returns the hours that disagree.
with by_hour as (
    select hour_at, sum(ms_played) as ms_played
    from {{ ref('listening_hourly_by_country_device') }}
    group by 1
)

select coalesce(p.hour_at, h.hour_at) as hour_at, p.ms_played as plays_hourly_ms, h.ms_played as listening_hourly_ms
from {{ ref('plays_hourly') }} as p
full outer join by_hour as h on p.hour_at = h.hour_at
where coalesce(p.ms_played, 0) <> coalesce(h.ms_played, 0)
