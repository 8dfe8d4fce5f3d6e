
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select event_date, country_code, count(*) as occurrences
from "warehouse"."gold"."country_mix_daily"
group by event_date, country_code
having count(*) > 1

  
  
      
    ) dbt_internal_test