-- Seed 004's aggregate: breweries per type and location (country, state) in the newest snapshot.
select
    cast(snapshot_date as date) as snapshot_date,
    cast(brewery_type as {{ dbt.type_string() }}) as brewery_type,
    cast(country as {{ dbt.type_string() }}) as country,
    cast(state_province as {{ dbt.type_string() }}) as state_province,
    cast(count(*) as bigint) as breweries
from {{ ref('stg_breweries__breweries') }}
group by snapshot_date, brewery_type, country, state_province
