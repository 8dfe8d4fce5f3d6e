
    
    



select event_id
from "warehouse"."silver"."int_valid_plays"
where event_id is null


