-- The payment-method mix per order day: payments of each method and the revenue each brought.
with payments as (
    select orders.order_date, payments.payment_method, payments.payment_status, payments.amount
    from {{ ref('stg_ecommerce__payments') }} as payments
    inner join {{ ref('stg_ecommerce__orders') }} as orders on orders.order_id = payments.order_id
),

by_method as (
    select
        order_date,
        payment_method,
        count(*) as payments,
        sum(case when payment_status = 'failed' then 1 else 0 end) as failed_payments,
        sum(case when payment_status = 'approved' then amount else 0 end) as approved_amount
    from payments
    group by order_date, payment_method
)

select
    cast(order_date as date) as order_date,
    cast(payment_method as {{ dbt.type_string() }}) as payment_method,
    cast(payments as bigint) as payments,
    cast(failed_payments as bigint) as failed_payments,
    cast(round(approved_amount * 100) as bigint) as approved_cents,
    {{ spotify_mds.safe_ratio('payments', 'sum(payments) over (partition by order_date)') }} as payment_share,
    {{ spotify_mds.safe_ratio('approved_amount', 'sum(approved_amount) over (partition by order_date)') }} as revenue_share
from by_method
