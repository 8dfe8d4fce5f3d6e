
    
    



select track_rank
from "warehouse"."gold"."spotify_api_top_tracks"
where track_rank is null


