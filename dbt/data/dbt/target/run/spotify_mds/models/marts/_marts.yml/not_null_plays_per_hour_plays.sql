
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select plays
from "warehouse"."gold"."plays_per_hour"
where plays is null



  
  
      
    ) dbt_internal_test