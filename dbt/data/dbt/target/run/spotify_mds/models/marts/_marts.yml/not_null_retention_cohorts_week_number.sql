
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select week_number
from "warehouse"."gold"."retention_cohorts"
where week_number is null



  
  
      
    ) dbt_internal_test