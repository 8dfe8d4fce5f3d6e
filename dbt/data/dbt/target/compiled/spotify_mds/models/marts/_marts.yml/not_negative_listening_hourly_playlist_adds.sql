
select playlist_adds from "warehouse"."gold"."listening_hourly" where playlist_adds < 0
