
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select played_hour
from "warehouse"."gold"."spotify_api_plays"
where played_hour is null



  
  
      
    ) dbt_internal_test