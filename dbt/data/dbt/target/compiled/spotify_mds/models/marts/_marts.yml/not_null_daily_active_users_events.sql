
    
    



select events
from "warehouse"."gold"."daily_active_users"
where events is null


