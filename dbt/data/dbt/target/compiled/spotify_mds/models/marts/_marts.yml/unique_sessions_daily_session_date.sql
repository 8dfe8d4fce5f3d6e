
    
    

select
    session_date as unique_field,
    count(*) as n_records

from "warehouse"."gold"."sessions_daily"
where session_date is not null
group by session_date
having count(*) > 1


