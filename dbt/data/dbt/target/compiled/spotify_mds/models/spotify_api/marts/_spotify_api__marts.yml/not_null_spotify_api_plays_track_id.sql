
    
    



select track_id
from "warehouse"."gold"."spotify_api_plays"
where track_id is null


