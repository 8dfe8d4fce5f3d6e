
    
    



select event_date
from "warehouse"."gold"."top_tracks_daily_by_country"
where event_date is null


