
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select event_date, artist_rank, count(*) as occurrences
from "warehouse"."gold"."top_artists_daily"
group by event_date, artist_rank
having count(*) > 1

  
  
      
    ) dbt_internal_test