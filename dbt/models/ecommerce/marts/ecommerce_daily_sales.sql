-- Per order day: orders, paid orders, revenue (approved payments), average order value, payment
-- failure and refund rates, new and returning customers (the figures of the generator's truth).
with orders as (
    select order_id, user_id, order_date, is_paid from {{ ref('stg_ecommerce__orders') }}
),

payments as (
    select orders.order_date, payments.payment_status, payments.amount
    from {{ ref('stg_ecommerce__payments') }} as payments
    inner join orders on orders.order_id = payments.order_id
),

daily_orders as (
    select
        order_date,
        count(*) as orders,
        sum(case when is_paid then 1 else 0 end) as paid_orders
    from orders
    group by order_date
),

daily_payments as (
    select
        order_date,
        count(*) as payments,
        sum(case when payment_status = 'failed' then 1 else 0 end) as failed_payments,
        sum(case when payment_status = 'refunded' then 1 else 0 end) as refunded_payments,
        sum(case when payment_status = 'approved' then amount else 0 end) as revenue
    from payments
    group by order_date
),

buyers as (
    select distinct orders.order_date, orders.user_id, firsts.first_order_date
    from orders
    inner join {{ ref('int_ecommerce__customer_first_orders') }} as firsts on firsts.user_id = orders.user_id
),

daily_customers as (
    select
        order_date,
        sum(case when first_order_date = order_date then 1 else 0 end) as new_customers,
        sum(case when first_order_date < order_date then 1 else 0 end) as returning_customers
    from buyers
    group by order_date
)

select
    cast(daily_orders.order_date as date) as order_date,
    cast(daily_orders.orders as bigint) as orders,
    cast(daily_orders.paid_orders as bigint) as paid_orders,
    cast(round(coalesce(daily_payments.revenue, 0) * 100) as bigint) as revenue_cents,
    cast(coalesce(daily_payments.revenue, 0) as {{ spotify_mds.type_double() }}) as revenue,
    {{ spotify_mds.safe_ratio('daily_payments.revenue', 'daily_orders.paid_orders') }} as average_order_value,
    cast(coalesce(daily_payments.payments, 0) as bigint) as payments,
    cast(coalesce(daily_payments.failed_payments, 0) as bigint) as failed_payments,
    cast(coalesce(daily_payments.refunded_payments, 0) as bigint) as refunded_payments,
    {{ spotify_mds.safe_ratio('daily_payments.failed_payments', 'daily_payments.payments') }} as payment_failure_rate,
    {{ spotify_mds.safe_ratio('daily_payments.refunded_payments', 'daily_payments.payments') }} as refund_rate,
    cast(coalesce(daily_customers.new_customers, 0) as bigint) as new_customers,
    cast(coalesce(daily_customers.returning_customers, 0) as bigint) as returning_customers
from daily_orders
left join daily_payments on daily_payments.order_date = daily_orders.order_date
left join daily_customers on daily_customers.order_date = daily_orders.order_date
