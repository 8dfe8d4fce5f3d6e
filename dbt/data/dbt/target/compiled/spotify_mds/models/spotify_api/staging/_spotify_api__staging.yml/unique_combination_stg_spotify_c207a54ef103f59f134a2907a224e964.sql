
select snapshot_date, chart_name, chart_rank, count(*) as occurrences
from "warehouse"."silver"."stg_spotify_api__chart_tracks"
group by snapshot_date, chart_name, chart_rank
having count(*) > 1
