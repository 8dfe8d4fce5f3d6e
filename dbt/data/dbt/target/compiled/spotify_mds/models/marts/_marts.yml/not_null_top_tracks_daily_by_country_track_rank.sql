
    
    



select track_rank
from "warehouse"."gold"."top_tracks_daily_by_country"
where track_rank is null


