
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select cohort_week, week_number, count(*) as occurrences
from "warehouse"."gold"."retention_cohorts"
group by cohort_week, week_number
having count(*) > 1

  
  
      
    ) dbt_internal_test