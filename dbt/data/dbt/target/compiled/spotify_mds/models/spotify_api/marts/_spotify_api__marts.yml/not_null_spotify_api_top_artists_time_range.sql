
    
    



select time_range
from "warehouse"."gold"."spotify_api_top_artists"
where time_range is null


