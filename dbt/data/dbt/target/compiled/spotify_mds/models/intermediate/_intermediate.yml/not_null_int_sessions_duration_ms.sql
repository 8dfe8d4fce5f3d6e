
    
    



select duration_ms
from "warehouse"."silver"."int_sessions"
where duration_ms is null


