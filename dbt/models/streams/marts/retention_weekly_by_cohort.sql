-- Weekly retention: a user's cohort is the ISO week (from Monday) of their first event; week N
-- counts the cohort's users with any event N weeks later (week 0 is the cohort itself, rate 1).
with user_weeks as (
    select distinct
        user_id,
        {{ spotify_mds.week_start('event_at') }} as activity_week
    from {{ ref('int_events_classified') }}
),

cohorts as (
    select user_id, min(activity_week) as cohort_week
    from user_weeks
    group by user_id
),

cohort_sizes as (
    select cohort_week, count(*) as cohort_users
    from cohorts
    group by cohort_week
),

retained as (
    select
        cohorts.cohort_week,
        cast({{ dbt.datediff('cohorts.cohort_week', 'user_weeks.activity_week', 'day') }} / 7 as integer) as week_number,
        count(distinct user_weeks.user_id) as retained_users
    from cohorts
    inner join user_weeks on user_weeks.user_id = cohorts.user_id
    group by 1, 2
)

select
    cast(retained.cohort_week as date) as cohort_week,
    cast(retained.week_number as integer) as week_number,
    cast(cohort_sizes.cohort_users as bigint) as cohort_users,
    cast(retained.retained_users as bigint) as retained_users,
    {{ spotify_mds.safe_ratio('retained.retained_users', 'cohort_sizes.cohort_users') }} as retention_rate
from retained
inner join cohort_sizes on cohort_sizes.cohort_week = retained.cohort_week
