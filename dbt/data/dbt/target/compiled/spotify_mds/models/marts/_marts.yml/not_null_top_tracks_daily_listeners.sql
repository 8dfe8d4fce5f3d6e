
    
    



select listeners
from "warehouse"."gold"."top_tracks_daily"
where listeners is null


