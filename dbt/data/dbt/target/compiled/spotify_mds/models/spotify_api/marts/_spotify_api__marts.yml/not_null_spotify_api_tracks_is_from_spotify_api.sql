
    
    



select is_from_spotify_api
from "warehouse"."gold"."spotify_api_tracks"
where is_from_spotify_api is null


