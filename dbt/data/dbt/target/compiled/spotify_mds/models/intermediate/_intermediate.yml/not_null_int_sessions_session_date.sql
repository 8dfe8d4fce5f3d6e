
    
    



select session_date
from "warehouse"."silver"."int_sessions"
where session_date is null


