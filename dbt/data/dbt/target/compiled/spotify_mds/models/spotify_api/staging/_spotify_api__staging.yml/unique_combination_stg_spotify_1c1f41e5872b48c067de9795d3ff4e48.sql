
select snapshot_date, time_range, artist_rank, count(*) as occurrences
from "warehouse"."silver"."stg_spotify_api__top_artists"
group by snapshot_date, time_range, artist_rank
having count(*) > 1
