
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select real_plays
from "warehouse"."gold"."spotify_api_hourly_listening_shares"
where real_plays is null



  
  
      
    ) dbt_internal_test