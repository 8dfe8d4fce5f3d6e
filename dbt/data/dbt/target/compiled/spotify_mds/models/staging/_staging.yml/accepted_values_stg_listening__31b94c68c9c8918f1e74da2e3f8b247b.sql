
    
    

with all_values as (

    select
        event_type as value_field,
        count(*) as n_records

    from "warehouse"."silver"."stg_listening_events"
    group by event_type

)

select *
from all_values
where value_field not in (
    'play','pause','skip','add_to_playlist'
)


