
    
    



select track_id
from "warehouse"."gold"."spotify_api_top_tracks"
where track_id is null


