
select event_date, device_type, count(*) as occurrences
from "warehouse"."gold"."device_mix_daily"
group by event_date, device_type
having count(*) > 1
