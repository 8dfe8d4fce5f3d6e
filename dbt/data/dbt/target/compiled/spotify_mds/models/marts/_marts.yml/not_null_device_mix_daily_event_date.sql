
    
    



select event_date
from "warehouse"."gold"."device_mix_daily"
where event_date is null


