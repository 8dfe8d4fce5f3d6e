
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select artist_id
from "warehouse"."silver"."int_spotify_api__artists_unioned"
where artist_id is null



  
  
      
    ) dbt_internal_test