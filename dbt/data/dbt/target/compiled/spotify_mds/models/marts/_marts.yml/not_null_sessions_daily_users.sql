
    
    



select users
from "warehouse"."gold"."sessions_daily"
where users is null


