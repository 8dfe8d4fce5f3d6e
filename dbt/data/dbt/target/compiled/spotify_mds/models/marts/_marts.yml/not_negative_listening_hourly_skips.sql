
select skips from "warehouse"."gold"."listening_hourly" where skips < 0
