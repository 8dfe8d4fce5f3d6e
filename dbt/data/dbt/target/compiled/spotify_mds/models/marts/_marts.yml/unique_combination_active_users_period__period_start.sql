
select period, period_start, count(*) as occurrences
from "warehouse"."gold"."active_users"
group by period, period_start
having count(*) > 1
