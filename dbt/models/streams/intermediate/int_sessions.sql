-- One row per listening session (30-minute-gap sessionisation): who, when it started and ended,
-- how many events, how long it lasted (first to last event), and its country: the country of its
-- first event (the one place a session gets a country, for every mart split by country).
select
    session_id,
    user_id,
    min(event_at) as started_at,
    max(event_at) as ended_at,
    cast(min(event_at) as date) as session_date,
    max(case when is_session_start then country_code end) as country_code,
    cast(count(*) as bigint) as events,
    max({{ spotify_mds.epoch_ms('event_at') }}) - min({{ spotify_mds.epoch_ms('event_at') }}) as duration_ms
from {{ ref('int_listens_sessionized') }}
group by session_id, user_id
