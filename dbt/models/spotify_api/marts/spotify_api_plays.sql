-- The user's real plays: the second fact beside the simulated listening events.
select
    cast(played_at as timestamp) as played_at,
    cast(played_date as date) as played_date,
    cast(extract(hour from played_at) as integer) as played_hour,
    cast(track_id as {{ dbt.type_string() }}) as track_id,
    cast(artist_id as {{ dbt.type_string() }}) as artist_id,
    cast(duration_ms as bigint) as duration_ms,
    cast(context_type as {{ dbt.type_string() }}) as context_type
from {{ ref('stg_spotify_api__recently_played') }}
