-- The catalogue as of its latest drop: one row per product.
with ranked as (
    select
        product_id,
        product_name,
        category,
        price,
        drop_date,
        row_number() over (partition by product_id order by drop_date desc) as recency
    from {{ source('ecommerce', 'dim_products') }}
)

select product_id, product_name, category, price, drop_date as catalogue_date
from ranked
where recency = 1
