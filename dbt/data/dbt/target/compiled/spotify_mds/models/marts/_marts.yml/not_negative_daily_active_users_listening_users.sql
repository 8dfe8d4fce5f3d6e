
select listening_users from "warehouse"."gold"."daily_active_users" where listening_users < 0
