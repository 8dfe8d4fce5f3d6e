-- Each customer's first order day and the Monday of that week (their cohort).
select
    user_id,
    min(order_date) as first_order_date,
    {{ spotify_mds.week_start('min(order_date)') }} as cohort_week
from {{ ref('stg_ecommerce__orders') }}
group by user_id
