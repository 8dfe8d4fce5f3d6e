
select snapshot_date, time_range, track_id, count(*) as occurrences
from "warehouse"."gold"."spotify_api_top_tracks"
group by snapshot_date, time_range, track_id
having count(*) > 1
