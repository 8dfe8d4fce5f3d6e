
    
    



select session_id
from "warehouse"."silver"."int_sessions"
where session_id is null


