
    
    



select time_range
from "warehouse"."silver"."stg_spotify_api__top_tracks"
where time_range is null


