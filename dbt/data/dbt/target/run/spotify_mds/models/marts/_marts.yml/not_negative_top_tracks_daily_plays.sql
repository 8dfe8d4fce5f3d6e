
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select plays from "warehouse"."gold"."top_tracks_daily" where plays < 0

  
  
      
    ) dbt_internal_test