
    
    



select sessions
from "warehouse"."gold"."sessions_daily"
where sessions is null


