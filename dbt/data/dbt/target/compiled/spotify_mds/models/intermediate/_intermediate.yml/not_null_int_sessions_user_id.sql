
    
    



select user_id
from "warehouse"."silver"."int_sessions"
where user_id is null


