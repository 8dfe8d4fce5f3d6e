
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select ms_played from "warehouse"."silver"."int_valid_plays" where ms_played < 0

  
  
      
    ) dbt_internal_test