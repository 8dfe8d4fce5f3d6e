
    
    



select skip_rate
from "warehouse"."gold"."artist_skip_rates"
where skip_rate is null


