-- Track listens that count as a stream: a play or a skip after at least `valid_play_min_ms`.
-- A version 1 (seed) event carries no ms_played: its `play` counts as a stream (the seed's own
-- meaning of a play), its skip does not (nothing says it was heard long enough).
-- A view: a filter over silver, which no model reads; as a table it was a quarter of a build's time.
{{ config(materialized='view') }}

select
    event_id,
    user_id,
    track_id,
    track_name,
    artist_id,
    artist_name,
    event_type = 'skip' as is_skip,
    device_type,
    country_code,
    subscription_level,
    event_at,
    event_date,
    duration_ms,
    ms_played
from {{ ref('stg_listening_events') }}
where event_type in ('play', 'skip')
  and (ms_played >= {{ var('valid_play_min_ms') }} or (ms_played is null and event_type = 'play'))
