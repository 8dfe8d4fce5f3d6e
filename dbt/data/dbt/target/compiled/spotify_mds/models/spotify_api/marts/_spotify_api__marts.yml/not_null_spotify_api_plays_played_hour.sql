
    
    



select played_hour
from "warehouse"."gold"."spotify_api_plays"
where played_hour is null


