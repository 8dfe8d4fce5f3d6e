
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select skip_rate
from "warehouse"."gold"."artist_skip_rates"
where skip_rate is null



  
  
      
    ) dbt_internal_test