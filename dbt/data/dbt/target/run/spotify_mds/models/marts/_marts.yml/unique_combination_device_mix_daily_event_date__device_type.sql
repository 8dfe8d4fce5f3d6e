
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select event_date, device_type, count(*) as occurrences
from "warehouse"."gold"."device_mix_daily"
group by event_date, device_type
having count(*) > 1

  
  
      
    ) dbt_internal_test