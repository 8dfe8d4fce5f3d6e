
    
    



select event_date
from "warehouse"."gold"."level_conversions"
where event_date is null


