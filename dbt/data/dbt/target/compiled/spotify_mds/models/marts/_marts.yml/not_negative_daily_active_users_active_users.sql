
select active_users from "warehouse"."gold"."daily_active_users" where active_users < 0
