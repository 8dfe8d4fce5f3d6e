
    
    



select track_rank
from "warehouse"."silver"."stg_spotify_api__top_tracks"
where track_rank is null


