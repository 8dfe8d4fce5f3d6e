
select listeners from "warehouse"."gold"."country_mix_daily" where listeners < 0
