
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select duration_ms from "warehouse"."gold"."spotify_api_plays" where duration_ms < 0

  
  
      
    ) dbt_internal_test