
    
    



select hour_at
from "warehouse"."gold"."plays_per_hour"
where hour_at is null


