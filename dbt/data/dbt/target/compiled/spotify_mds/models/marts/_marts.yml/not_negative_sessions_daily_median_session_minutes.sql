
select median_session_minutes from "warehouse"."gold"."sessions_daily" where median_session_minutes < 0
