
    
    



select artist_rank
from "warehouse"."gold"."top_artists_daily"
where artist_rank is null


