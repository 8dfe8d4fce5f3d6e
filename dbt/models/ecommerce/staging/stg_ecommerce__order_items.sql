select
    order_id,
    item_seq,
    product_id,
    category,
    quantity,
    unit_price,
    discount,
    line_total,
    drop_date
from {{ source('ecommerce', 'fact_order_items') }}
