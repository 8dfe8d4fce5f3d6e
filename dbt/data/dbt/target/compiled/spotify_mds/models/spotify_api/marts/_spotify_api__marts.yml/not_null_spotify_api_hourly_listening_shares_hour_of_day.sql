
    
    



select hour_of_day
from "warehouse"."gold"."spotify_api_hourly_listening_shares"
where hour_of_day is null


