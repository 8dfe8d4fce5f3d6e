
    
    



select plays
from "warehouse"."gold"."top_tracks_daily"
where plays is null


