
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select upgrades from "warehouse"."gold"."level_conversions" where upgrades < 0

  
  
      
    ) dbt_internal_test