
select listeners from "warehouse"."gold"."device_mix_daily" where listeners < 0
