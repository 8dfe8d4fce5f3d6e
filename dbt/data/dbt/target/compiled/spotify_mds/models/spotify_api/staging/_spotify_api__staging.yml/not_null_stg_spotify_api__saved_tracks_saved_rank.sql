
    
    



select saved_rank
from "warehouse"."silver"."stg_spotify_api__saved_tracks"
where saved_rank is null


