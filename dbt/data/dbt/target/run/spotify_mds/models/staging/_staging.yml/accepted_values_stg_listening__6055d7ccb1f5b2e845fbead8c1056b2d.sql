
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        subscription_level as value_field,
        count(*) as n_records

    from "warehouse"."silver"."stg_listening_events"
    group by subscription_level

)

select *
from all_values
where value_field not in (
    'free','paid'
)



  
  
      
    ) dbt_internal_test