-- Plays (events of type `play`) and distinct listeners per UTC day and country.
select
    cast(event_date as date) as event_date,
    cast(country_code as TEXT) as country_code,
    cast(count(*) as bigint) as plays,
    cast(count(distinct user_id) as bigint) as listeners
from "warehouse"."silver"."stg_listening_events"
where event_type = 'play'
group by 1, 2