
    
    



select ms_played
from "warehouse"."silver"."int_valid_plays"
where ms_played is null


