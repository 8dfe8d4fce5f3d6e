
    
    



select artist_id
from "warehouse"."gold"."artist_skip_rates"
where artist_id is null


