
    
    

select
    hour_at as unique_field,
    count(*) as n_records

from "warehouse"."gold"."plays_per_hour"
where hour_at is not null
group by hour_at
having count(*) > 1


