
select cohort_week, week_number, count(*) as occurrences
from "warehouse"."gold"."retention_cohorts"
group by cohort_week, week_number
having count(*) > 1
