
    
    



select simulated_play_share
from "warehouse"."gold"."spotify_api_hourly_listening_shares"
where simulated_play_share is null


