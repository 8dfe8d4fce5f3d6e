
select avg_session_minutes from "warehouse"."gold"."sessions_daily" where avg_session_minutes < 0
