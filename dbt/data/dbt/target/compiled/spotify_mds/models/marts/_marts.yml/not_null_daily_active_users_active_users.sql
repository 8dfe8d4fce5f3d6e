
    
    



select active_users
from "warehouse"."gold"."daily_active_users"
where active_users is null


