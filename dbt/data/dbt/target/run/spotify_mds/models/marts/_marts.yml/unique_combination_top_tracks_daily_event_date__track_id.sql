
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select event_date, track_id, count(*) as occurrences
from "warehouse"."gold"."top_tracks_daily"
group by event_date, track_id
having count(*) > 1

  
  
      
    ) dbt_internal_test