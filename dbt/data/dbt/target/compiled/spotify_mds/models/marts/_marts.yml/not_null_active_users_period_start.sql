
    
    



select period_start
from "warehouse"."gold"."active_users"
where period_start is null


