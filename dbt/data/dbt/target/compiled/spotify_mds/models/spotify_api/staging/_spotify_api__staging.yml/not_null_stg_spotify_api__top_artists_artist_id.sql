
    
    



select artist_id
from "warehouse"."silver"."stg_spotify_api__top_artists"
where artist_id is null


