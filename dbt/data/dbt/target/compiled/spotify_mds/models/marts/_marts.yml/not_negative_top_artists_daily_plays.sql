
select plays from "warehouse"."gold"."top_artists_daily" where plays < 0
