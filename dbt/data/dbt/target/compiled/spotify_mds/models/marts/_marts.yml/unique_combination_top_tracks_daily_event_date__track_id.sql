
select event_date, track_id, count(*) as occurrences
from "warehouse"."gold"."top_tracks_daily"
group by event_date, track_id
having count(*) > 1
