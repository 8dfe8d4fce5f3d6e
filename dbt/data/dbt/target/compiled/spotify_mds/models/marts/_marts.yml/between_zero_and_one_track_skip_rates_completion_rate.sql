
select completion_rate from "warehouse"."gold"."track_skip_rates" where completion_rate < 0 or completion_rate > 1
