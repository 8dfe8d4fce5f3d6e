
    
    



select listeners
from "warehouse"."gold"."top_artists_daily"
where listeners is null


