
    
    



select device_type
from "warehouse"."gold"."device_mix_daily"
where device_type is null


