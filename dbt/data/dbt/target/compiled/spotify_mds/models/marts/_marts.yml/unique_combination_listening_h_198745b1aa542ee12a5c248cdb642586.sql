
select hour_at, country_code, device_type, count(*) as occurrences
from "warehouse"."gold"."listening_hourly"
group by hour_at, country_code, device_type
having count(*) > 1
