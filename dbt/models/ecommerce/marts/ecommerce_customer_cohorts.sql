-- Weekly cohorts: customers by the week of their first order, and how many of them ordered again in
-- each following week (week 0 is the cohort itself), with the revenue of their paid orders.
with activity as (
    select
        firsts.cohort_week,
        {{ spotify_mds.week_start('orders.order_date') }} as order_week,
        orders.user_id,
        orders.order_id,
        orders.is_paid,
        orders.order_total
    from {{ ref('stg_ecommerce__orders') }} as orders
    inner join {{ ref('int_ecommerce__customer_first_orders') }} as firsts on firsts.user_id = orders.user_id
)

select
    cast(cohort_week as date) as cohort_week,
    cast((order_week - cohort_week) / 7 as integer) as weeks_since_first,
    cast(count(distinct user_id) as bigint) as customers,
    cast(count(distinct order_id) as bigint) as orders,
    cast(coalesce(sum(case when is_paid then order_total end), 0) as {{ spotify_mds.type_double() }}) as revenue
from activity
group by cohort_week, order_week
