
    
    



select device_type
from "warehouse"."gold"."listening_hourly"
where device_type is null


