-- Every silver event with the listening rules applied, each written here once so every mart reads
-- the same answer (a mart aggregates these columns, it never restates a rule):
-- - is_listen / listened_ms: a play or a skip is a listen; its ms_played is time listened, a
--   pause's or a playlist add's is a position in the track (macros/streams/listening.sql);
-- - is_completed: a listen with ms_played >= duration_ms (the player reports the whole length for a
--   track heard to the end; no 95 % tolerance); a listen without a duration never completes;
-- - is_valid_play: a listen of at least `valid_play_min_ms` (Spotify counts 30 s as a stream). A
--   version 1 (seed) event carries no ms_played: its `play` counts (the seed's own meaning of a
--   play), its skip does not (nothing says it was heard long enough).
-- A view: the marts read it once each, and a table would write every event out again.
{{ config(materialized='view') }}

select
    event_id,
    user_id,
    client_session_id,
    track_id,
    track_name,
    artist_id,
    artist_name,
    event_type,
    device_type,
    country_code,
    subscription_level,
    event_at,
    event_date,
    duration_ms,
    ms_played,
    {{ spotify_mds.is_listen() }} as is_listen,
    {{ spotify_mds.listened_ms() }} as listened_ms,
    coalesce({{ spotify_mds.is_listen() }} and ms_played >= duration_ms, false) as is_completed,
    coalesce(
        {{ spotify_mds.is_listen() }}
        and (ms_played >= {{ var('valid_play_min_ms') }} or (ms_played is null and event_type = 'play')),
        false
    ) as is_valid_play
from {{ ref('stg_streams__listening_events') }}
