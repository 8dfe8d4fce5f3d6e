
    
    



select plays
from "warehouse"."gold"."top_tracks_daily_by_country"
where plays is null


