
    
    



select artist_rank
from "warehouse"."silver"."stg_spotify_api__top_artists"
where artist_rank is null


