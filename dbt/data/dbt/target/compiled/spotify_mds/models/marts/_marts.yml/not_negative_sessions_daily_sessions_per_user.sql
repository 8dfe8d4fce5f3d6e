
select sessions_per_user from "warehouse"."gold"."sessions_daily" where sessions_per_user < 0
