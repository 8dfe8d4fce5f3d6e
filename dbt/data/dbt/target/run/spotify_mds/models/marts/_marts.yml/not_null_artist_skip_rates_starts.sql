
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select starts
from "warehouse"."gold"."artist_skip_rates"
where starts is null



  
  
      
    ) dbt_internal_test