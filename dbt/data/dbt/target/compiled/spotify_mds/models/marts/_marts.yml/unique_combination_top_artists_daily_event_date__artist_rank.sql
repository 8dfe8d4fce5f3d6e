
select event_date, artist_rank, count(*) as occurrences
from "warehouse"."gold"."top_artists_daily"
group by event_date, artist_rank
having count(*) > 1
