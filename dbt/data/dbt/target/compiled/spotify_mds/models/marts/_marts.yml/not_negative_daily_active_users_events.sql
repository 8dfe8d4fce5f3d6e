
select events from "warehouse"."gold"."daily_active_users" where events < 0
