
select event_date, track_rank, count(*) as occurrences
from "warehouse"."gold"."top_tracks_daily"
group by event_date, track_rank
having count(*) > 1
