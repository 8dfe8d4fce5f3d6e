
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select played_date
from "warehouse"."silver"."stg_spotify_api__recently_played"
where played_date is null



  
  
      
    ) dbt_internal_test