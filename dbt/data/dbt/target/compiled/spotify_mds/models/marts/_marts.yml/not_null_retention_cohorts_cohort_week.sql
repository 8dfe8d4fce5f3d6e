
    
    



select cohort_week
from "warehouse"."gold"."retention_cohorts"
where cohort_week is null


