
    
    



select event_id
from "warehouse"."silver"."stg_listening_events"
where event_id is null


