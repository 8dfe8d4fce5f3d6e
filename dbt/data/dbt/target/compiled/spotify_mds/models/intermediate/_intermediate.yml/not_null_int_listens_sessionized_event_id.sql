
    
    



select event_id
from "warehouse"."silver"."int_listens_sessionized"
where event_id is null


