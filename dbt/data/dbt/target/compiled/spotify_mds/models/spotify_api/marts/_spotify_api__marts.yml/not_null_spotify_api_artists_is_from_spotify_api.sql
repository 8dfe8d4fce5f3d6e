
    
    



select is_from_spotify_api
from "warehouse"."gold"."spotify_api_artists"
where is_from_spotify_api is null


