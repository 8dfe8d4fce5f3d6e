-- Every change record (one row per brewery and kind of change per snapshot).
select
    snapshot_date,
    previous_date,
    brewery_id,
    name,
    change,
    country,
    state_province,
    brewery_type,
    previous_value,
    value
from {{ source('breweries', 'brewery_changes') }}
