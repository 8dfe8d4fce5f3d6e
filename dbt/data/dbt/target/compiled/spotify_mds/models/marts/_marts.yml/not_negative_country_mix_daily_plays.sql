
select plays from "warehouse"."gold"."country_mix_daily" where plays < 0
