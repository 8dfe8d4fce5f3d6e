
select starts from "warehouse"."gold"."artist_skip_rates" where starts < 0
