-- Every event with the listening session it belongs to: a user's session ends after more than
-- `session_gap_minutes` without any event (the player's own session id is not trusted for this).
-- Gaps are compared in milliseconds (datediff in seconds counts boundaries crossed on some adapters).
-- A view: int_sessions is the one model reading it, and takes a few of its columns; as a table,
-- every event would be written out again.
{{ config(materialized='view') }}

with ordered as (
    select
        *,
        lag(event_at) over (partition by user_id order by event_at, event_id) as previous_event_at
    from {{ ref('stg_streams__listening_events') }}
),

flagged as (
    select
        *,
        case
            when previous_event_at is null then 1
            when {{ spotify_mds.epoch_ms('event_at') }} - {{ spotify_mds.epoch_ms('previous_event_at') }}
                > {{ var('session_gap_minutes') * 60 * 1000 }} then 1
            else 0
        end as session_start_flag
    from ordered
),

numbered as (
    select
        *,
        sum(session_start_flag) over (
            partition by user_id order by event_at, event_id rows between unbounded preceding and current row
        ) as session_number
    from flagged
)

select
    event_id,
    user_id,
    user_id || '-' || cast(session_number as {{ dbt.type_string() }}) as session_id,
    session_number,
    session_start_flag = 1 as is_session_start,
    track_id,
    artist_id,
    event_type,
    device_type,
    country_code,
    subscription_level,
    event_at,
    event_date,
    duration_ms,
    ms_played
from numbered
