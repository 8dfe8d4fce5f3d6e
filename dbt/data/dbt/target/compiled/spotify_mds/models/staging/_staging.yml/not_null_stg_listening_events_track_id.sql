
    
    



select track_id
from "warehouse"."silver"."stg_listening_events"
where track_id is null


