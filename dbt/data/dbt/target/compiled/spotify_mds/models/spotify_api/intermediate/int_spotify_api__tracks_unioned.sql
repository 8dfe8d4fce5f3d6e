-- Every sighting of a track in any Spotify stream, with when it was seen: the dimension keeps the latest.
with sightings as (
    select track_id, track_name, artist_id, artist_name, album_id, album_name, duration_ms, popularity,
        played_at as seen_at, 'recently_played' as seen_in
    from "warehouse"."silver"."stg_spotify_api__recently_played"
    union all
    select track_id, track_name, artist_id, artist_name, album_id, album_name, duration_ms, popularity,
        cast(snapshot_date as timestamp), 'top_tracks'
    from "warehouse"."silver"."stg_spotify_api__top_tracks"
    union all
    select track_id, track_name, artist_id, artist_name, album_id, album_name, duration_ms, popularity,
        cast(snapshot_date as timestamp), 'saved_tracks'
    from "warehouse"."silver"."stg_spotify_api__saved_tracks"
    union all
    select track_id, track_name, artist_id, artist_name, album_id, album_name, duration_ms, popularity,
        cast(snapshot_date as timestamp), 'chart_tracks'
    from "warehouse"."silver"."stg_spotify_api__chart_tracks"
)

select *
from sightings
where track_id is not null