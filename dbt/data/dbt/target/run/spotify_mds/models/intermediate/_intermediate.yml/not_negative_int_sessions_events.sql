
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select events from "warehouse"."silver"."int_sessions" where events < 0

  
  
      
    ) dbt_internal_test