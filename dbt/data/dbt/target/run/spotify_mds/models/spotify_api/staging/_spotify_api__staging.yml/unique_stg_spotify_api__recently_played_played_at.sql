
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

select
    played_at as unique_field,
    count(*) as n_records

from "warehouse"."silver"."stg_spotify_api__recently_played"
where played_at is not null
group by played_at
having count(*) > 1



  
  
      
    ) dbt_internal_test