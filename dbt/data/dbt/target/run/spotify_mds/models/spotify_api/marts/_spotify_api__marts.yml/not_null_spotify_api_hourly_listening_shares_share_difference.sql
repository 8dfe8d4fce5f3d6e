
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select share_difference
from "warehouse"."gold"."spotify_api_hourly_listening_shares"
where share_difference is null



  
  
      
    ) dbt_internal_test