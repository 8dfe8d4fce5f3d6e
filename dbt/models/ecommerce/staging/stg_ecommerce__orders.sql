-- Orders as loaded, with whether they were paid (delivered, shipped or processing).
select
    order_id,
    user_id,
    status as order_status,
    ordered_at,
    order_date,
    items_count,
    order_total,
    status in ('delivered', 'shipped', 'processing') as is_paid,
    drop_date
from {{ source('ecommerce', 'fact_orders') }}
