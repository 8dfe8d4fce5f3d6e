
select listeners from "warehouse"."gold"."top_artists_daily" where listeners < 0
