
select listeners from "warehouse"."gold"."plays_per_hour" where listeners < 0
