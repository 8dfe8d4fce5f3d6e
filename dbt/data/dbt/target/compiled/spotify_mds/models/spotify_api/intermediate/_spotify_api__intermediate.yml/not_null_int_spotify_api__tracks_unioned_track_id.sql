
    
    



select track_id
from "warehouse"."silver"."int_spotify_api__tracks_unioned"
where track_id is null


