
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select event_date, country_code, track_rank, count(*) as occurrences
from "warehouse"."gold"."top_tracks_daily_by_country"
group by event_date, country_code, track_rank
having count(*) > 1

  
  
      
    ) dbt_internal_test