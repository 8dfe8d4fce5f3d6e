
    
    



select user_id
from "warehouse"."silver"."stg_listening_events"
where user_id is null


