-- What changed, per snapshot, country, type and kind of change: "what changed since last week".
select
    cast(snapshot_date as date) as snapshot_date,
    cast(country as {{ dbt.type_string() }}) as country,
    cast(brewery_type as {{ dbt.type_string() }}) as brewery_type,
    cast(change as {{ dbt.type_string() }}) as change,
    cast(count(*) as bigint) as breweries
from {{ ref('stg_breweries__changes') }}
group by snapshot_date, country, brewery_type, change
