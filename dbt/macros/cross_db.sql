{#- The few SQL spellings that differ between DuckDB, PostgreSQL and Snowflake, behind
    adapter.dispatch so every model is written once. (dbt Hub is unreachable here: these are ours.) -#}

{#- An 8-byte float. dbt.type_float() is 4-byte FLOAT on DuckDB, too coarse for rates. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'spotify_mds')()) }}
{%- endmacro %}

{% macro default__type_double() -%} double precision {%- endmacro %}
{% macro duckdb__type_double() -%} double {%- endmacro %}
{% macro snowflake__type_double() -%} double {%- endmacro %}

{#- Milliseconds since the Unix epoch of a timestamp (exact, unlike datediff in seconds, which counts
    boundaries crossed on DuckDB and Snowflake). -#}
{% macro epoch_ms(expression) -%}
    {{ return(adapter.dispatch('epoch_ms', 'spotify_mds')(expression)) }}
{%- endmacro %}

{% macro default__epoch_ms(expression) -%}
    cast(round(extract(epoch from {{ expression }}) * 1000) as bigint)
{%- endmacro %}
{% macro duckdb__epoch_ms(expression) -%}
    epoch_ms({{ expression }})
{%- endmacro %}
{% macro snowflake__epoch_ms(expression) -%}
    date_part(epoch_millisecond, {{ expression }})
{%- endmacro %}

{#- The Monday a timestamp's ISO week starts on, as a date. Snowflake's date_trunc('week') follows
    the session's WEEK_START, so it is computed from the ISO day of week there. -#}
{% macro week_start(expression) -%}
    {{ return(adapter.dispatch('week_start', 'spotify_mds')(expression)) }}
{%- endmacro %}

{% macro default__week_start(expression) -%}
    cast(date_trunc('week', {{ expression }}) as date)
{%- endmacro %}
{% macro snowflake__week_start(expression) -%}
    dateadd(day, 1 - dayofweekiso({{ expression }}), cast({{ expression }} as date))
{%- endmacro %}

{#- The day/week/month a timestamp falls in, as a date (weeks start on Monday). -#}
{% macro period_start(period, expression) -%}
    {%- if period == 'week' -%}
        {{ spotify_mds.week_start(expression) }}
    {%- else -%}
        cast({{ dbt.date_trunc(period, expression) }} as date)
    {%- endif -%}
{%- endmacro %}

{#- A ratio as an 8-byte float; null when the denominator is 0. -#}
{% macro safe_ratio(numerator, denominator) -%}
    cast({{ numerator }} as {{ spotify_mds.type_double() }}) / nullif(cast({{ denominator }} as {{ spotify_mds.type_double() }}), 0)
{%- endmacro %}

{#- A raw column as the loader created it: quoted (`timestamp` is a keyword), and upper case on
    Snowflake, where the loader's unquoted names fold to upper case. -#}
{% macro raw_column(name) -%}
    {{ return(adapter.dispatch('raw_column', 'spotify_mds')(name)) }}
{%- endmacro %}

{% macro default__raw_column(name) -%} {{ adapter.quote(name) }} {%- endmacro %}
{% macro snowflake__raw_column(name) -%} {{ adapter.quote(name | upper) }} {%- endmacro %}

{#- `with name as {{ spotify_mds.not_materialized() }} (...)`: a CTE read twice, to be computed where it is
    read rather than written out first. DuckDB materialises such a CTE whole: silver's first build at
    10M events wrote all of raw (3.9 GB, spilled beyond DUCKDB_MEMORY_LIMIT) and took 20 s instead of
    12 s. Elsewhere the engines' own choice is kept (Snowflake has no such keyword). -#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized', 'spotify_mds')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%} {%- endmacro %}
{% macro duckdb__not_materialized() -%} not materialized {%- endmacro %}
