
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select time_range
from "warehouse"."silver"."stg_spotify_api__top_tracks"
where time_range is null



  
  
      
    ) dbt_internal_test