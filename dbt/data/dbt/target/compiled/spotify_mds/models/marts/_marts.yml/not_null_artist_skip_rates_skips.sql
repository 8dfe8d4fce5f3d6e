
    
    



select skips
from "warehouse"."gold"."artist_skip_rates"
where skips is null


