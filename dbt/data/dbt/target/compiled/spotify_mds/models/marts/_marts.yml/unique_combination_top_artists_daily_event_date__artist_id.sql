
select event_date, artist_id, count(*) as occurrences
from "warehouse"."gold"."top_artists_daily"
group by event_date, artist_id
having count(*) > 1
