
    
    



select played_at
from "warehouse"."silver"."stg_spotify_api__recently_played"
where played_at is null


