
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        time_range as value_field,
        count(*) as n_records

    from "warehouse"."silver"."stg_spotify_api__top_artists"
    group by time_range

)

select *
from all_values
where value_field not in (
    'short_term','medium_term','long_term'
)



  
  
      
    ) dbt_internal_test