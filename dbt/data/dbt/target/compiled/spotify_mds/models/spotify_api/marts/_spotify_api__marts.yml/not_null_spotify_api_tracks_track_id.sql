
    
    



select track_id
from "warehouse"."gold"."spotify_api_tracks"
where track_id is null


