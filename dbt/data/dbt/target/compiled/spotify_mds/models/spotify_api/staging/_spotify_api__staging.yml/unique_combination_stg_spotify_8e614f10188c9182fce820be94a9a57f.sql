
select snapshot_date, saved_rank, count(*) as occurrences
from "warehouse"."silver"."stg_spotify_api__saved_tracks"
group by snapshot_date, saved_rank
having count(*) > 1
