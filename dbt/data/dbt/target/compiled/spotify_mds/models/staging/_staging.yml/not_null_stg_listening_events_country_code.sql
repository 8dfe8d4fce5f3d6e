
    
    



select country_code
from "warehouse"."silver"."stg_listening_events"
where country_code is null


