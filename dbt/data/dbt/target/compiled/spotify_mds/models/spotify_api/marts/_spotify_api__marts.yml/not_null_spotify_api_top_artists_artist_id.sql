
    
    



select artist_id
from "warehouse"."gold"."spotify_api_top_artists"
where artist_id is null


