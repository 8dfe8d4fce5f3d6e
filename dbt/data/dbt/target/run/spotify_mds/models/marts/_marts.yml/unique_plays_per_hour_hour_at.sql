
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

select
    hour_at as unique_field,
    count(*) as n_records

from "warehouse"."gold"."plays_per_hour"
where hour_at is not null
group by hour_at
having count(*) > 1



  
  
      
    ) dbt_internal_test