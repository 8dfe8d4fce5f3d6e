
    
    



select plays
from "warehouse"."gold"."plays_per_hour"
where plays is null


