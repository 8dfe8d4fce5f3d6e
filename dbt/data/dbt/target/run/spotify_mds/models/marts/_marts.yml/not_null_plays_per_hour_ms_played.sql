
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select ms_played
from "warehouse"."gold"."plays_per_hour"
where ms_played is null



  
  
      
    ) dbt_internal_test