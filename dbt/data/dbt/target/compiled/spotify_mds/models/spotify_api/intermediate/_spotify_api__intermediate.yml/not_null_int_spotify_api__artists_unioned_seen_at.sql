
    
    



select seen_at
from "warehouse"."silver"."int_spotify_api__artists_unioned"
where seen_at is null


