
    
    



select track_id
from "warehouse"."gold"."top_tracks_daily_by_country"
where track_id is null


