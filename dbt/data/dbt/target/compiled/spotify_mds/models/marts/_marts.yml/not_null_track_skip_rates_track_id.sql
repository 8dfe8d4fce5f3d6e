
    
    



select track_id
from "warehouse"."gold"."track_skip_rates"
where track_id is null


