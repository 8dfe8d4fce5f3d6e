
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select track_rank
from "warehouse"."gold"."spotify_api_top_tracks"
where track_rank is null



  
  
      
    ) dbt_internal_test