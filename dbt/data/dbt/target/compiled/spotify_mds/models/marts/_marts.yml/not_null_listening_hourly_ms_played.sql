
    
    



select ms_played
from "warehouse"."gold"."listening_hourly"
where ms_played is null


