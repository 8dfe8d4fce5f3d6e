
    
    



select activity_date
from "warehouse"."gold"."daily_active_users"
where activity_date is null


