
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select played_at
from "warehouse"."silver"."stg_spotify_api__recently_played"
where played_at is null



  
  
      
    ) dbt_internal_test