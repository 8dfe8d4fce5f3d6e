
    
    



select artist_id
from "warehouse"."gold"."spotify_api_top_artist_overlap"
where artist_id is null


