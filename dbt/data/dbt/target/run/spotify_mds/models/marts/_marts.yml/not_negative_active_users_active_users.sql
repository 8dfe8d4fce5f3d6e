
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select active_users from "warehouse"."gold"."active_users" where active_users < 0

  
  
      
    ) dbt_internal_test