
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select skips from "warehouse"."gold"."track_skip_rates" where skips < 0

  
  
      
    ) dbt_internal_test