
    
    



select track_id
from "warehouse"."silver"."stg_spotify_api__chart_tracks"
where track_id is null


