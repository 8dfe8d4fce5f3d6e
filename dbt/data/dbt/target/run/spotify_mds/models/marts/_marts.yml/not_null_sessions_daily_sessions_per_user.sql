
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select sessions_per_user
from "warehouse"."gold"."sessions_daily"
where sessions_per_user is null



  
  
      
    ) dbt_internal_test