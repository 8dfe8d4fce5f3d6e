
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select skip_rate from "warehouse"."gold"."track_skip_rates" where skip_rate < 0 or skip_rate > 1

  
  
      
    ) dbt_internal_test