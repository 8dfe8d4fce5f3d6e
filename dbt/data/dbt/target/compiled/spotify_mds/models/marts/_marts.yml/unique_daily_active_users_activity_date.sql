
    
    

select
    activity_date as unique_field,
    count(*) as n_records

from "warehouse"."gold"."daily_active_users"
where activity_date is not null
group by activity_date
having count(*) > 1


