
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select skips
from "warehouse"."gold"."listening_hourly"
where skips is null



  
  
      
    ) dbt_internal_test