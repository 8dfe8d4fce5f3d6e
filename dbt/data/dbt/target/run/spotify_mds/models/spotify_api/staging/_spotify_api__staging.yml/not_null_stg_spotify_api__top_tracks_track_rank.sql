
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select track_rank
from "warehouse"."silver"."stg_spotify_api__top_tracks"
where track_rank is null



  
  
      
    ) dbt_internal_test