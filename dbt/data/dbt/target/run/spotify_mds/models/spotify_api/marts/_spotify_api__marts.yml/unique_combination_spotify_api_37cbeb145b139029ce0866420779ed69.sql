
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select snapshot_date, time_range, track_rank, count(*) as occurrences
from "warehouse"."gold"."spotify_api_top_tracks"
group by snapshot_date, time_range, track_rank
having count(*) > 1

  
  
      
    ) dbt_internal_test