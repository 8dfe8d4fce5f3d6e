
    
    



select skip_rate
from "warehouse"."gold"."track_skip_rates"
where skip_rate is null


