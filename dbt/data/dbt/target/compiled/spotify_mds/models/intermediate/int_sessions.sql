-- One row per listening session (30-minute-gap sessionisation): who, when it started and ended,
-- how many events, and how long it lasted (first to last event).
select
    session_id,
    user_id,
    min(event_at) as started_at,
    max(event_at) as ended_at,
    cast(min(event_at) as date) as session_date,
    cast(count(*) as bigint) as events,
    max(epoch_ms(event_at)) - min(epoch_ms(event_at)) as duration_ms
from "warehouse"."silver"."int_listens_sessionized"
group by session_id, user_id