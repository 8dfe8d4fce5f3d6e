
    
    



select played_at
from "warehouse"."gold"."spotify_api_plays"
where played_at is null


