
    
    



select retained_users
from "warehouse"."gold"."retention_cohorts"
where retained_users is null


