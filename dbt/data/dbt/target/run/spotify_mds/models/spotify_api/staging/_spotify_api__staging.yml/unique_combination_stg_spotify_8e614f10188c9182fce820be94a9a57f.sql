
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select snapshot_date, saved_rank, count(*) as occurrences
from "warehouse"."silver"."stg_spotify_api__saved_tracks"
group by snapshot_date, saved_rank
having count(*) > 1

  
  
      
    ) dbt_internal_test