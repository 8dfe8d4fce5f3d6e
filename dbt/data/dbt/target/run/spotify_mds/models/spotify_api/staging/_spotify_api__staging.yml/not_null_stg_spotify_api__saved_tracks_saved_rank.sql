
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select saved_rank
from "warehouse"."silver"."stg_spotify_api__saved_tracks"
where saved_rank is null



  
  
      
    ) dbt_internal_test