
    
    



select artist_rank
from "warehouse"."gold"."spotify_api_top_artists"
where artist_rank is null


