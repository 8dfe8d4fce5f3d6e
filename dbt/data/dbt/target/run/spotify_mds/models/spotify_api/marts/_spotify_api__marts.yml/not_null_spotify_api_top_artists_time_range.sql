
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select time_range
from "warehouse"."gold"."spotify_api_top_artists"
where time_range is null



  
  
      
    ) dbt_internal_test