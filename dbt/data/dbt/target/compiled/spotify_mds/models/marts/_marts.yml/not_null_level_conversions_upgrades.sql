
    
    



select upgrades
from "warehouse"."gold"."level_conversions"
where upgrades is null


