
    
    



select track_id
from "warehouse"."gold"."top_tracks_daily"
where track_id is null


