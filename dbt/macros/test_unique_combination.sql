{#- Rows are unique over a set of columns (what dbt_utils.unique_combination_of_columns does;
    dbt Hub packages cannot be installed here, so the project carries the few tests it needs). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
