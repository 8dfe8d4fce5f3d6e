-- The newest snapshot's breweries (raw.breweries keeps every snapshot; history is in the changes).
with newest as (
    select max(snapshot_date) as snapshot_date from {{ source('breweries', 'breweries') }}
)

select
    b.snapshot_date,
    b.brewery_id,
    b.name,
    b.brewery_type,
    b.address_1,
    b.address_2,
    b.address_3,
    b.city,
    b.state_province,
    b.postal_code,
    b.country,
    cast(b.longitude as double precision) as longitude,
    cast(b.latitude as double precision) as latitude,
    b.phone,
    b.website_url
from {{ source('breweries', 'breweries') }} as b
inner join newest on b.snapshot_date = newest.snapshot_date
