
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select listeners
from "warehouse"."gold"."top_artists_daily"
where listeners is null



  
  
      
    ) dbt_internal_test