
    
    



select retention_rate
from "warehouse"."gold"."retention_cohorts"
where retention_rate is null


