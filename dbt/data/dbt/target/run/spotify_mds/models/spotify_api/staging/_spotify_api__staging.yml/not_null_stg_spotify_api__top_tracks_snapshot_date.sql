
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select snapshot_date
from "warehouse"."silver"."stg_spotify_api__top_tracks"
where snapshot_date is null



  
  
      
    ) dbt_internal_test