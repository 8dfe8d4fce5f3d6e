
select simulated_plays from "warehouse"."gold"."spotify_api_top_artist_overlap" where simulated_plays < 0
