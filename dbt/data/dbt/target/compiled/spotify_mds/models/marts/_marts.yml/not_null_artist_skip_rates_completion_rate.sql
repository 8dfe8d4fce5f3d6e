
    
    



select completion_rate
from "warehouse"."gold"."artist_skip_rates"
where completion_rate is null


