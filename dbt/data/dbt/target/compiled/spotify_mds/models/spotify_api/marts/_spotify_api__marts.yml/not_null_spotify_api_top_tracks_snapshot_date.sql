
    
    



select snapshot_date
from "warehouse"."gold"."spotify_api_top_tracks"
where snapshot_date is null


