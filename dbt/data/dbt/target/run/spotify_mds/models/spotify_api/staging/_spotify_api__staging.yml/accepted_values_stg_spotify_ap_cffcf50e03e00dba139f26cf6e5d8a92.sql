
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        chart_name as value_field,
        count(*) as n_records

    from "warehouse"."silver"."stg_spotify_api__chart_tracks"
    group by chart_name

)

select *
from all_values
where value_field not in (
    'global_top_daily','global_top_weekly','global_viral_daily'
)



  
  
      
    ) dbt_internal_test