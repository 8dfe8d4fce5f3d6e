
    
    



select played_date
from "warehouse"."gold"."spotify_api_plays"
where played_date is null


