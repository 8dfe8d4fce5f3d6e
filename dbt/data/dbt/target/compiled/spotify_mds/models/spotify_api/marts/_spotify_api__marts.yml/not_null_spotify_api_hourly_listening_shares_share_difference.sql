
    
    



select share_difference
from "warehouse"."gold"."spotify_api_hourly_listening_shares"
where share_difference is null


