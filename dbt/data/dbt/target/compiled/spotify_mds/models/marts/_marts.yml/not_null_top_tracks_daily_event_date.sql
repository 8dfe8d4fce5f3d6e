
    
    



select event_date
from "warehouse"."gold"."top_tracks_daily"
where event_date is null


