
    
    



select hour_at
from "warehouse"."gold"."listening_hourly"
where hour_at is null


