
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select period, period_start, count(*) as occurrences
from "warehouse"."gold"."active_users"
group by period, period_start
having count(*) > 1

  
  
      
    ) dbt_internal_test