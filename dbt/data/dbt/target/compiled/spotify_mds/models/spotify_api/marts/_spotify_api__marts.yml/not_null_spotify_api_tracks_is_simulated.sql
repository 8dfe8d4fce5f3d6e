
    
    



select is_simulated
from "warehouse"."gold"."spotify_api_tracks"
where is_simulated is null


