-- Silver quarantines coordinates out of range; this keeps the warehouse's copy to the same rule.
select brewery_id, latitude, longitude
from {{ ref('stg_breweries__breweries') }}
where latitude not between -90 and 90 or longitude not between -180 and 180
