
    
    



select time_range
from "warehouse"."silver"."stg_spotify_api__top_artists"
where time_range is null


