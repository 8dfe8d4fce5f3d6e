
    
    



select track_rank
from "warehouse"."gold"."top_tracks_daily"
where track_rank is null


