
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select pauses from "warehouse"."gold"."listening_hourly" where pauses < 0

  
  
      
    ) dbt_internal_test