{#- Use the configured schema as is (silver, gold), not <target schema>_<custom>: the warehouse keeps
    the seed's RAW / SILVER / GOLD layout on every adapter. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
