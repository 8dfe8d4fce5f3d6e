
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select completion_rate from "warehouse"."gold"."artist_skip_rates" where completion_rate < 0 or completion_rate > 1

  
  
      
    ) dbt_internal_test