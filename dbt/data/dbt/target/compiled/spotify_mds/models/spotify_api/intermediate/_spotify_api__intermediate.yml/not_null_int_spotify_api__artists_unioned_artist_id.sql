
    
    



select artist_id
from "warehouse"."silver"."int_spotify_api__artists_unioned"
where artist_id is null


