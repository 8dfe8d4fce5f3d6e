
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select median_session_minutes from "warehouse"."gold"."sessions_daily" where median_session_minutes < 0

  
  
      
    ) dbt_internal_test