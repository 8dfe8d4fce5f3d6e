
select retained_users from "warehouse"."gold"."retention_cohorts" where retained_users < 0
