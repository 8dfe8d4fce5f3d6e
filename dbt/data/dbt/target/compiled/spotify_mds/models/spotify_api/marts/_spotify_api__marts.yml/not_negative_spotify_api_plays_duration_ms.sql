
select duration_ms from "warehouse"."gold"."spotify_api_plays" where duration_ms < 0
