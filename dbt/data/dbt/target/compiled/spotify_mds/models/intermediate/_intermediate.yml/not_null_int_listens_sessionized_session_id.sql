
    
    



select session_id
from "warehouse"."silver"."int_listens_sessionized"
where session_id is null


