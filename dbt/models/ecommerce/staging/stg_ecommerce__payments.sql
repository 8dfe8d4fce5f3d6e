select
    payment_id,
    order_id,
    payment_sequential,
    payment_method,
    installments,
    amount,
    status as payment_status,
    paid_at,
    drop_date
from {{ source('ecommerce', 'fact_payments') }}
