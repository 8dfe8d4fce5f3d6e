
    
    



select time_range
from "warehouse"."gold"."spotify_api_top_artist_overlap"
where time_range is null


