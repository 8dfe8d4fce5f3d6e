
    
    



select is_in_simulated_top_50
from "warehouse"."gold"."spotify_api_top_artist_overlap"
where is_in_simulated_top_50 is null


