
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select simulated_plays from "warehouse"."gold"."spotify_api_hourly_listening_shares" where simulated_plays < 0

  
  
      
    ) dbt_internal_test