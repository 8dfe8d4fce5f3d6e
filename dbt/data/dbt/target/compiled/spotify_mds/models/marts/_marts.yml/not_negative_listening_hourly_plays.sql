
select plays from "warehouse"."gold"."listening_hourly" where plays < 0
