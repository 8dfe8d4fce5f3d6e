
    
    



select track_id
from "warehouse"."silver"."stg_spotify_api__recently_played"
where track_id is null


