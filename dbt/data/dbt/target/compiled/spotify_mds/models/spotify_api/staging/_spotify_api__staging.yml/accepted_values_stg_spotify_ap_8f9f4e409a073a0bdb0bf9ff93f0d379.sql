
    
    

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


