
    
    



select loaded_at
from "warehouse"."silver"."stg_listening_events"
where loaded_at is null


