
select completion_rate from "warehouse"."gold"."artist_skip_rates" where completion_rate < 0 or completion_rate > 1
