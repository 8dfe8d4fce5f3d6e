
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select session_number
from "warehouse"."silver"."int_listens_sessionized"
where session_number is null



  
  
      
    ) dbt_internal_test