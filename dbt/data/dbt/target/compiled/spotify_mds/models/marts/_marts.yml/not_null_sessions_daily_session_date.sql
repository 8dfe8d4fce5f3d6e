
    
    



select session_date
from "warehouse"."gold"."sessions_daily"
where session_date is null


