
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select simulated_plays from "warehouse"."gold"."spotify_api_top_artist_overlap" where simulated_plays < 0

  
  
      
    ) dbt_internal_test