
    
    



select snapshot_date
from "warehouse"."gold"."spotify_api_top_artist_overlap"
where snapshot_date is null


