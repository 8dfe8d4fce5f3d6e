
    
    



select cohort_users
from "warehouse"."gold"."retention_cohorts"
where cohort_users is null


