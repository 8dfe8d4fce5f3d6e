
    
    



select period
from "warehouse"."gold"."active_users"
where period is null


