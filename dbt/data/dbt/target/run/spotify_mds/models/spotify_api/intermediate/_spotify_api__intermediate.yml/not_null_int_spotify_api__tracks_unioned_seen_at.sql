
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select seen_at
from "warehouse"."silver"."int_spotify_api__tracks_unioned"
where seen_at is null



  
  
      
    ) dbt_internal_test