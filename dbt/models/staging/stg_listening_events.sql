-- One row per event: typed, renamed, deduplicated on event_id (a replay or a duplicate delivery
-- lands the same event twice; the earliest-loaded copy wins, ties broken by file key).
with ranked as (
    select
        *,
        row_number() over (partition by event_id order by _loaded_at, _source_file) as copy_number
    from {{ source('raw', 'listening_events') }}
)

select
    event_id,
    user_id,
    session_id as client_session_id,
    song_id as track_id,
    song_name as track_name,
    coalesce(artist_id, artist_name) as artist_id,
    artist_name,
    event_type,
    device_type,
    country as country_code,
    cast({{ adapter.quote('timestamp') }} as timestamp) as event_at,
    cast({{ adapter.quote('timestamp') }} as date) as event_date,
    duration_ms,
    ms_played,
    level as subscription_level,
    _source_file as source_file
from ranked
where copy_number = 1
