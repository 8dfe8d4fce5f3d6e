
    
    



select is_simulated
from "warehouse"."gold"."spotify_api_artists"
where is_simulated is null


