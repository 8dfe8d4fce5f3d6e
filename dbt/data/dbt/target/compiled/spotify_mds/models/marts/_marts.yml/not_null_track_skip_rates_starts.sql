
    
    



select starts
from "warehouse"."gold"."track_skip_rates"
where starts is null


