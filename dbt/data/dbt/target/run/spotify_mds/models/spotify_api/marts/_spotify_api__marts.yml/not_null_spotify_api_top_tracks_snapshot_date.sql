
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select snapshot_date
from "warehouse"."gold"."spotify_api_top_tracks"
where snapshot_date is null



  
  
      
    ) dbt_internal_test