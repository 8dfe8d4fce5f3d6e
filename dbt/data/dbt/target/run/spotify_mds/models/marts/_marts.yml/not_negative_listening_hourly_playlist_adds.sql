
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select playlist_adds from "warehouse"."gold"."listening_hourly" where playlist_adds < 0

  
  
      
    ) dbt_internal_test