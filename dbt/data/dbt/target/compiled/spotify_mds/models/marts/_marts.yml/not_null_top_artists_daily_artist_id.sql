
    
    



select artist_id
from "warehouse"."gold"."top_artists_daily"
where artist_id is null


