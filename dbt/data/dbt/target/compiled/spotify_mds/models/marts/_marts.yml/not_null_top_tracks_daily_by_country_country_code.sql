
    
    



select country_code
from "warehouse"."gold"."top_tracks_daily_by_country"
where country_code is null


