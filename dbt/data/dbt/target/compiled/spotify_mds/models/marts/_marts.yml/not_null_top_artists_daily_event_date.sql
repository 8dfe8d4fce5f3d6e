
    
    



select event_date
from "warehouse"."gold"."top_artists_daily"
where event_date is null


