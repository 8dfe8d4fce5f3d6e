
select events from "warehouse"."silver"."int_sessions" where events < 0
