
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select artist_rank
from "warehouse"."gold"."top_artists_daily"
where artist_rank is null



  
  
      
    ) dbt_internal_test