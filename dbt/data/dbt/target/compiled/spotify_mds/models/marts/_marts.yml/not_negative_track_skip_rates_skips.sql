
select skips from "warehouse"."gold"."track_skip_rates" where skips < 0
