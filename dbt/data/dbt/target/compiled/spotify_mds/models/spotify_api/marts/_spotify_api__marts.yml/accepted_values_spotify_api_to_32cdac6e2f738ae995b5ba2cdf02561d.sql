
    
    

with all_values as (

    select
        time_range as value_field,
        count(*) as n_records

    from "warehouse"."gold"."spotify_api_top_tracks"
    group by time_range

)

select *
from all_values
where value_field not in (
    'short_term','medium_term','long_term'
)


