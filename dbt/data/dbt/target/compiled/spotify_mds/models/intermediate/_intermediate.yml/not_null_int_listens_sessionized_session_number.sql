
    
    



select session_number
from "warehouse"."silver"."int_listens_sessionized"
where session_number is null


