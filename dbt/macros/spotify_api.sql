{#- Macros of the Spotify Web API models (models/spotify_api). -#}

{#- The text at a path inside a JSON column: spotify_json_text('item', ['track', 'artists', 0, 'id']).
    Each adapter has its own JSON syntax; DuckDB is the one tested here. -#}
{% macro spotify_json_text(column, path) -%}
    {{ return(adapter.dispatch('spotify_json_text')(column, path)) }}
{%- endmacro %}

{% macro default__spotify_json_text(column, path) -%}
    json_extract_string({{ column }}, '${% for key in path %}{% if key is number %}[{{ key }}]{% else %}.{{ key }}{% endif %}{% endfor %}')
{%- endmacro %}

{% macro postgres__spotify_json_text(column, path) -%}
    ({{ column }}::jsonb #>> '{ {{- path | join(',') -}} }')
{%- endmacro %}

{% macro snowflake__spotify_json_text(column, path) -%}
    {{ column }}:{% for key in path %}{% if key is number %}[{{ key }}]{% else %}{{ '.' if not loop.first }}{{ key }}{% endif %}{% endfor %}::varchar
{%- endmacro %}

{#- The raw Spotify table, or an empty one of the same shape while nothing was extracted: the
    project's plain `dbt build` (the simulated pipeline) must not fail for want of a second source.
    source() is called either way, so lineage and `dbt build --select +spotify_api` stay right.
    (Unit tests therefore target the models downstream of staging, never staging itself.) -#}
{% macro spotify_api_records() -%}
    {%- set relation = source('spotify_api', 'spotify_api_records') -%}
    {%- if execute and adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
        (select
            cast(null as {{ dbt.type_string() }}) as stream,
            cast(null as date) as snapshot_date,
            cast(null as integer) as rank,
            cast(null as timestamp) as played_at,
            cast(null as {{ dbt.type_string() }}) as item,
            cast(null as {{ dbt.type_string() }}) as _source_file,
            cast(null as timestamp) as _loaded_at
        where 1 = 0) as spotify_api_records_empty
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- The hours of a day, 0 to 23, as rows of `hour_of_day` (portable: no generate_series). -#}
{% macro spotify_hours_of_day() -%}
    {%- for hour in range(24) %}
    select {{ hour }} as hour_of_day{% if not loop.last %} union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- The columns of a Spotify track object found at `path` inside `column` (first credited artist). -#}
{% macro spotify_track_columns(column, path) -%}
    {{ spotify_json_text(column, path + ['id']) }} as track_id,
    {{ spotify_json_text(column, path + ['name']) }} as track_name,
    {{ spotify_json_text(column, path + ['artists', 0, 'id']) }} as artist_id,
    {{ spotify_json_text(column, path + ['artists', 0, 'name']) }} as artist_name,
    {{ spotify_json_text(column, path + ['album', 'id']) }} as album_id,
    {{ spotify_json_text(column, path + ['album', 'name']) }} as album_name,
    cast({{ spotify_json_text(column, path + ['duration_ms']) }} as bigint) as duration_ms,
    cast({{ spotify_json_text(column, path + ['popularity']) }} as integer) as popularity
{%- endmacro %}
