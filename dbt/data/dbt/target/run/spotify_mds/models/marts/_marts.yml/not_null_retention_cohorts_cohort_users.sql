
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select cohort_users
from "warehouse"."gold"."retention_cohorts"
where cohort_users is null



  
  
      
    ) dbt_internal_test