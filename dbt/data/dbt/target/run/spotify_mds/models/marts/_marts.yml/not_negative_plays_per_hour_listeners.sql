
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select listeners from "warehouse"."gold"."plays_per_hour" where listeners < 0

  
  
      
    ) dbt_internal_test