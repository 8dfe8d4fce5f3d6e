-- Products ranked by the revenue of their lines in paid orders (ties by product id), with units sold.
with sold as (
    select items.product_id, sum(items.quantity) as units, sum(items.line_total) as revenue
    from {{ ref('stg_ecommerce__order_items') }} as items
    inner join {{ ref('stg_ecommerce__orders') }} as orders on orders.order_id = items.order_id
    where orders.is_paid
    group by items.product_id
)

select
    cast(row_number() over (order by sold.revenue desc, sold.product_id) as bigint) as product_rank,
    cast(sold.product_id as {{ dbt.type_string() }}) as product_id,
    cast(products.product_name as {{ dbt.type_string() }}) as product_name,
    cast(products.category as {{ dbt.type_string() }}) as category,
    cast(sold.units as bigint) as units,
    cast(round(sold.revenue * 100) as bigint) as revenue_cents,
    cast(sold.revenue as {{ spotify_mds.type_double() }}) as revenue
from sold
left join {{ ref('stg_ecommerce__products') }} as products on products.product_id = sold.product_id
