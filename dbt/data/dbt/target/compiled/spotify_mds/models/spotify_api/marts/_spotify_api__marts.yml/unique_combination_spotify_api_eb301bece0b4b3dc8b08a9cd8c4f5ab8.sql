
select snapshot_date, time_range, artist_id, count(*) as occurrences
from "warehouse"."gold"."spotify_api_top_artists"
group by snapshot_date, time_range, artist_id
having count(*) > 1
