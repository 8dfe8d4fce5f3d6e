
select week_number from "warehouse"."gold"."retention_cohorts" where week_number < 0
