
select real_plays from "warehouse"."gold"."spotify_api_hourly_listening_shares" where real_plays < 0
