
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select hour_at
from "warehouse"."gold"."listening_hourly"
where hour_at is null



  
  
      
    ) dbt_internal_test