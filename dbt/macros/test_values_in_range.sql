{#- Range rules over many columns of a model, checked in one scan: one dbt test per model instead of
    one per column (each test is a query plus some 50 ms of dbt's own work, which made tests most of
    a small build). A failing row says which rule it broke first, in `failed_rule`. NULLs pass: the
    contract's not_null constraints, or a not_null test, cover them. -#}
{% test values_in_range(model, not_negative=[], zero_to_one=[]) %}
{%- if not (not_negative or zero_to_one) -%}
    {{ exceptions.raise_compiler_error("values_in_range on " ~ model ~ ": name columns in not_negative or zero_to_one") }}
{%- endif %}
with checked as (
    select
        case
        {%- for column in not_negative %}
            when {{ column }} < 0 then '{{ column }} < 0'
        {%- endfor %}
        {%- for column in zero_to_one %}
            when {{ column }} < 0 or {{ column }} > 1 then '{{ column }} outside [0, 1]'
        {%- endfor %}
        end as failed_rule,
        *
    from {{ model }}
)
select * from checked where failed_rule is not null
{% endtest %}
