
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select listeners
from "warehouse"."gold"."listening_hourly"
where listeners is null



  
  
      
    ) dbt_internal_test