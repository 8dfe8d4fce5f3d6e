
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select listeners from "warehouse"."gold"."device_mix_daily" where listeners < 0

  
  
      
    ) dbt_internal_test