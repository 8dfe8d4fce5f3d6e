
select snapshot_date, time_range, track_rank, count(*) as occurrences
from "warehouse"."gold"."spotify_api_top_tracks"
group by snapshot_date, time_range, track_rank
having count(*) > 1
