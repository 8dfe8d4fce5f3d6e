
    
    



select played_date
from "warehouse"."silver"."stg_spotify_api__recently_played"
where played_date is null


