
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select real_play_share from "warehouse"."gold"."spotify_api_hourly_listening_shares" where real_play_share < 0

  
  
      
    ) dbt_internal_test