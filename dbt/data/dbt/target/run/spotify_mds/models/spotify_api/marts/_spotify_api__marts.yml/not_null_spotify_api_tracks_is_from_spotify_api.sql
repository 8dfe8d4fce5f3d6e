
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select is_from_spotify_api
from "warehouse"."gold"."spotify_api_tracks"
where is_from_spotify_api is null



  
  
      
    ) dbt_internal_test