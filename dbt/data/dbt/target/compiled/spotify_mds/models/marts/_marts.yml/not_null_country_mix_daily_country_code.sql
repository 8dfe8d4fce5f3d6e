
    
    



select country_code
from "warehouse"."gold"."country_mix_daily"
where country_code is null


