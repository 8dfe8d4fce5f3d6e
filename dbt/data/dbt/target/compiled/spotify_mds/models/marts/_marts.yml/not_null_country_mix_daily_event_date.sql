
    
    



select event_date
from "warehouse"."gold"."country_mix_daily"
where event_date is null


