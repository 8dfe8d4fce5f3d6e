
    
    

with all_values as (

    select
        seen_in as value_field,
        count(*) as n_records

    from "warehouse"."silver"."int_spotify_api__tracks_unioned"
    group by seen_in

)

select *
from all_values
where value_field not in (
    'recently_played','top_tracks','saved_tracks','chart_tracks'
)


