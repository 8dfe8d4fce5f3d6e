
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select track_id
from "warehouse"."gold"."spotify_api_plays"
where track_id is null



  
  
      
    ) dbt_internal_test