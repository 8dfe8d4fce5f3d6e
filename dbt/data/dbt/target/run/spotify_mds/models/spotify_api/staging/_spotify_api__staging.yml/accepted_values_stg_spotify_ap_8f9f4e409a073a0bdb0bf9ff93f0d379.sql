
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        context_type as value_field,
        count(*) as n_records

    from "warehouse"."silver"."stg_spotify_api__recently_played"
    group by context_type

)

select *
from all_values
where value_field not in (
    'album','artist','playlist','show','collection'
)



  
  
      
    ) dbt_internal_test