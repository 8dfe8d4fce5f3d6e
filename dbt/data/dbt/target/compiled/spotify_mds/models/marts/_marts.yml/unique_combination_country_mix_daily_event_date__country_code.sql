
select event_date, country_code, count(*) as occurrences
from "warehouse"."gold"."country_mix_daily"
group by event_date, country_code
having count(*) > 1
