
select sessions from "warehouse"."gold"."sessions_daily" where sessions < 0
