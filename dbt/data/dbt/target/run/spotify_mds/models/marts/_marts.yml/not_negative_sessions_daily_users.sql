
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select users from "warehouse"."gold"."sessions_daily" where users < 0

  
  
      
    ) dbt_internal_test