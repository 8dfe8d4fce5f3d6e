
select snapshot_date, time_range, track_rank, count(*) as occurrences
from "warehouse"."silver"."stg_spotify_api__top_tracks"
group by snapshot_date, time_range, track_rank
having count(*) > 1
