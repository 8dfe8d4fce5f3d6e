
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select listening_users
from "warehouse"."gold"."daily_active_users"
where listening_users is null



  
  
      
    ) dbt_internal_test