
    
    



select simulated_plays
from "warehouse"."gold"."spotify_api_hourly_listening_shares"
where simulated_plays is null


