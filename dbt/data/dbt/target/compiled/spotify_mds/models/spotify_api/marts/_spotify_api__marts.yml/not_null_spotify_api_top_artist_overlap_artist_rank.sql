
    
    



select artist_rank
from "warehouse"."gold"."spotify_api_top_artist_overlap"
where artist_rank is null


