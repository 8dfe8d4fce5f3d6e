
select downgrades from "warehouse"."gold"."level_conversions" where downgrades < 0
