
    
    

with all_values as (

    select
        period as value_field,
        count(*) as n_records

    from "warehouse"."gold"."active_users"
    group by period

)

select *
from all_values
where value_field not in (
    'day','week','month'
)


