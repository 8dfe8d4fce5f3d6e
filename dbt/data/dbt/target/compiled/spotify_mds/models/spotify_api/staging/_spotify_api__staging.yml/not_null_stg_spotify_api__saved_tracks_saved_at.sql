
    
    



select saved_at
from "warehouse"."silver"."stg_spotify_api__saved_tracks"
where saved_at is null


