
select retention_rate from "warehouse"."gold"."retention_cohorts" where retention_rate < 0 or retention_rate > 1
