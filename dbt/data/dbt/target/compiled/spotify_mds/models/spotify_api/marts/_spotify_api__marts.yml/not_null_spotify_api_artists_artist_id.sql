
    
    



select artist_id
from "warehouse"."gold"."spotify_api_artists"
where artist_id is null


