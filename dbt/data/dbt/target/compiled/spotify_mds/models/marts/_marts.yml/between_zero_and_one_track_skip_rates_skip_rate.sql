
select skip_rate from "warehouse"."gold"."track_skip_rates" where skip_rate < 0 or skip_rate > 1
