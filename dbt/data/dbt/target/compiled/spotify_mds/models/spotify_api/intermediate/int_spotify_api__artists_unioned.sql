-- Every sighting of an artist: full artist objects from the top-artists streams (genres, popularity,
-- followers), and the first credited artist of every track seen.
select artist_id, artist_name, genres, popularity, followers,
    cast(snapshot_date as timestamp) as seen_at, 'top_artists' as seen_in
from "warehouse"."silver"."stg_spotify_api__top_artists"
where artist_id is not null
union all
select artist_id, artist_name, cast(null as TEXT), cast(null as integer), cast(null as bigint),
    seen_at, seen_in
from "warehouse"."silver"."int_spotify_api__tracks_unioned"
where artist_id is not null