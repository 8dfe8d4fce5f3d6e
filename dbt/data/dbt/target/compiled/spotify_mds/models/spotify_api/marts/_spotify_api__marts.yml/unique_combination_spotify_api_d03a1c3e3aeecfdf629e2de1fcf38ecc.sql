
select snapshot_date, time_range, artist_rank, count(*) as occurrences
from "warehouse"."gold"."spotify_api_top_artist_overlap"
group by snapshot_date, time_range, artist_rank
having count(*) > 1
