
select listeners from "warehouse"."gold"."listening_hourly" where listeners < 0
