
    
    



select snapshot_date
from "warehouse"."gold"."spotify_api_top_artists"
where snapshot_date is null


