
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select is_simulated
from "warehouse"."gold"."spotify_api_artists"
where is_simulated is null



  
  
      
    ) dbt_internal_test