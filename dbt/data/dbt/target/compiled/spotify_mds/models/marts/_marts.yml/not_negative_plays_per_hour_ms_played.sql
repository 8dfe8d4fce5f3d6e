
select ms_played from "warehouse"."gold"."plays_per_hour" where ms_played < 0
