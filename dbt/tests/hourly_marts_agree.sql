-- The three hourly marts are one set of definitions at three grains. Per hour, plays_hourly_by_country
-- adds up to plays_hourly (plays, time listened), and per hour and country the devices of
-- listening_hourly_by_country_device add up to plays_hourly_by_country. Listeners are distinct users:
-- they do not add up, and no country's may exceed its hour's. Returns what disagrees.
with countries as (
    select hour_at, sum(plays) as plays, sum(ms_played) as ms_played, max(listeners) as most_in_a_country
    from {{ ref('plays_hourly_by_country') }}
    group by 1
),

devices as (
    select hour_at, country_code, sum(plays) as plays, sum(ms_played) as ms_played
    from {{ ref('listening_hourly_by_country_device') }}
    group by 1, 2
)

select 'hour' as grain, cast(coalesce(p.hour_at, c.hour_at) as varchar) as at_hour, cast(null as varchar) as country_code
from {{ ref('plays_hourly') }} as p
full outer join countries as c on p.hour_at = c.hour_at
where coalesce(p.plays, -1) <> coalesce(c.plays, -1)
   or coalesce(p.ms_played, -1) <> coalesce(c.ms_played, -1)
   or coalesce(c.most_in_a_country, 0) > coalesce(p.listeners, 0)

union all

select 'country', cast(coalesce(b.hour_at, d.hour_at) as varchar), coalesce(b.country_code, d.country_code)
from {{ ref('plays_hourly_by_country') }} as b
full outer join devices as d on b.hour_at = d.hour_at and b.country_code = d.country_code
where coalesce(b.plays, 0) <> coalesce(d.plays, 0)
   or coalesce(b.ms_played, 0) <> coalesce(d.ms_played, 0)
