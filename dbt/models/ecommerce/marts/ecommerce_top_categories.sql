-- Categories ranked by the revenue of their lines in paid orders.
with sold as (
    select items.category, count(distinct items.order_id) as orders, sum(items.quantity) as units,
           sum(items.line_total) as revenue
    from {{ ref('stg_ecommerce__order_items') }} as items
    inner join {{ ref('stg_ecommerce__orders') }} as orders on orders.order_id = items.order_id
    where orders.is_paid
    group by items.category
)

select
    cast(row_number() over (order by revenue desc, category) as bigint) as category_rank,
    cast(category as {{ dbt.type_string() }}) as category,
    cast(orders as bigint) as orders,
    cast(units as bigint) as units,
    cast(round(revenue * 100) as bigint) as revenue_cents,
    cast(revenue as {{ spotify_mds.type_double() }}) as revenue
from sold
