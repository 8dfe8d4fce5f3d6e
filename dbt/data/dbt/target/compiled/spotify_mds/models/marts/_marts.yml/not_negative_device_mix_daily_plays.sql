
select plays from "warehouse"."gold"."device_mix_daily" where plays < 0
