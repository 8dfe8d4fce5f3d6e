
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select retained_users from "warehouse"."gold"."retention_cohorts" where retained_users < 0

  
  
      
    ) dbt_internal_test