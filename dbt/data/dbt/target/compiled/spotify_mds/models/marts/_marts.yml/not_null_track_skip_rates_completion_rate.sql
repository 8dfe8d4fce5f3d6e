
    
    



select completion_rate
from "warehouse"."gold"."track_skip_rates"
where completion_rate is null


