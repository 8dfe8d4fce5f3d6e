
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select artist_id
from "warehouse"."gold"."spotify_api_top_artists"
where artist_id is null



  
  
      
    ) dbt_internal_test