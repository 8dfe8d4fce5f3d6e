
    
    



select event_at
from "warehouse"."silver"."stg_listening_events"
where event_at is null


