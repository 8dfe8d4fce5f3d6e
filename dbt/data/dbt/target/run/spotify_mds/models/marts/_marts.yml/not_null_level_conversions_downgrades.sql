
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select downgrades
from "warehouse"."gold"."level_conversions"
where downgrades is null



  
  
      
    ) dbt_internal_test