
    
    

select
    artist_id as unique_field,
    count(*) as n_records

from "warehouse"."gold"."artist_skip_rates"
where artist_id is not null
group by artist_id
having count(*) > 1


