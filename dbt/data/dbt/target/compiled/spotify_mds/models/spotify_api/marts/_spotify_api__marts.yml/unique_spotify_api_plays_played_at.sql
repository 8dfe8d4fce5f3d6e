
    
    

select
    played_at as unique_field,
    count(*) as n_records

from "warehouse"."gold"."spotify_api_plays"
where played_at is not null
group by played_at
having count(*) > 1


