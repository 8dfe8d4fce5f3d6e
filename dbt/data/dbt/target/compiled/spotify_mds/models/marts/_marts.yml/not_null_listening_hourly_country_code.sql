
    
    



select country_code
from "warehouse"."gold"."listening_hourly"
where country_code is null


