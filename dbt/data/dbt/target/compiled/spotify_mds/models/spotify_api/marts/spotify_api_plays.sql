-- The user's real plays: the second fact beside the simulated listening events.
select
    cast(played_at as timestamp) as played_at,
    cast(played_date as date) as played_date,
    cast(extract(hour from played_at) as integer) as played_hour,
    cast(track_id as TEXT) as track_id,
    cast(artist_id as TEXT) as artist_id,
    cast(duration_ms as bigint) as duration_ms,
    cast(context_type as TEXT) as context_type
from "warehouse"."silver"."stg_spotify_api__recently_played"