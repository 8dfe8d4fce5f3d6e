
select active_users from "warehouse"."gold"."active_users" where active_users < 0
