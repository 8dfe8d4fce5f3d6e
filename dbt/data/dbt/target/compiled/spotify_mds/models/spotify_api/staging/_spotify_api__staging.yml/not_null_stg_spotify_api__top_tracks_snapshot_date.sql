
    
    



select snapshot_date
from "warehouse"."silver"."stg_spotify_api__top_tracks"
where snapshot_date is null


