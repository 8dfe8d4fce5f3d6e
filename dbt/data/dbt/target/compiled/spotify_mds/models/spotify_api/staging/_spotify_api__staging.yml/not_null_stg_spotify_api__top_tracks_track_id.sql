
    
    



select track_id
from "warehouse"."silver"."stg_spotify_api__top_tracks"
where track_id is null


