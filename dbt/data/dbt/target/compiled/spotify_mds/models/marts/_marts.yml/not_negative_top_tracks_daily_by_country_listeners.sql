
select listeners from "warehouse"."gold"."top_tracks_daily_by_country" where listeners < 0
