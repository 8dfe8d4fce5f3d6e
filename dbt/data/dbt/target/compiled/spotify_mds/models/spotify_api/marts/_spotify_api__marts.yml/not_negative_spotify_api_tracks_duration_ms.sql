
select duration_ms from "warehouse"."gold"."spotify_api_tracks" where duration_ms < 0
