
select pauses from "warehouse"."gold"."listening_hourly" where pauses < 0
