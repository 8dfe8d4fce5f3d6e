
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select cohort_week
from "warehouse"."gold"."retention_cohorts"
where cohort_week is null



  
  
      
    ) dbt_internal_test