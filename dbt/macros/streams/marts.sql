{#- Marts of the streams pipeline that differ only by their key: one query each, written once. -#}

{#- The most played items of each day (and of each `partition_by` column within it): plays (events of
    type `play`), distinct listeners who played, a rank (1 = most played; ties by the item's id, so
    the ranking is stable), the best `limit` kept. The key and partition columns are never null
    (silver's tests), so the kept items join back to their events on plain equality. `key` is the item's id column; `attributes` are
    columns describing it (one value per id, so max() picks it). -#}
{% macro top_played_daily(key, rank_column, attributes, limit, partition_by=[]) -%}
{%- set groups = ['event_date'] + partition_by + [key] -%}
with daily as (
    select
        {%- for column in groups %}
        {{ column }},
        {%- endfor %}
        {%- for column in attributes %}
        max({{ column }}) as {{ column }},
        {%- endfor %}
        count(*) as plays
    from {{ ref('int_events_classified') }}
    where event_type = 'play'
    group by {{ groups | join(', ') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by event_date{% for column in partition_by %}, {{ column }}{% endfor %}
            order by plays desc, {{ key }}
        ) as {{ rank_column }}
    from daily
),

top as (
    select * from ranked where {{ rank_column }} <= {{ limit }}
),

-- Distinct listeners for the items kept only: counting them for every item of every day first
-- (a distinct count per group) took twice as long for the same rows.
listened as (
    select
        {%- for column in groups %}
        events.{{ column }},
        {%- endfor %}
        count(distinct events.user_id) as listeners
    from {{ ref('int_events_classified') }} as events
    inner join top on {% for column in groups %}{{ 'and ' if not loop.first }}top.{{ column }} = events.{{ column }} {% endfor %}
    where events.event_type = 'play'
    group by {% for column in groups %}{{ ', ' if not loop.first }}events.{{ column }}{% endfor %}
)

select
    cast(top.event_date as date) as event_date,
    {%- for column in partition_by %}
    cast(top.{{ column }} as {{ dbt.type_string() }}) as {{ column }},
    {%- endfor %}
    cast(top.{{ rank_column }} as bigint) as {{ rank_column }},
    cast(top.{{ key }} as {{ dbt.type_string() }}) as {{ key }},
    {%- for column in attributes %}
    cast(top.{{ column }} as {{ dbt.type_string() }}) as {{ column }},
    {%- endfor %}
    cast(top.plays as bigint) as plays,
    cast(listened.listeners as bigint) as listeners
from top
inner join listened on {% for column in groups %}{{ 'and ' if not loop.first }}listened.{{ column }} = top.{{ column }} {% endfor %}
{%- endmacro %}

{#- Plays (events of type `play`) and distinct listeners per UTC day and one dimension. -#}
{% macro plays_daily_by(dimension) -%}
select
    cast(event_date as date) as event_date,
    cast({{ dimension }} as {{ dbt.type_string() }}) as {{ dimension }},
    cast(count(*) as bigint) as plays,
    cast(count(distinct user_id) as bigint) as listeners
from {{ ref('int_events_classified') }}
where event_type = 'play'
group by 1, 2
{%- endmacro %}

{#- The figures every listened-to entity carries (a track, an artist), from int_events_classified
    grouped by the entity's key: first and last listen, starts (plays + skips), plays, valid plays
    (at least 30 s), skips, listeners (distinct users who started it), time listened, the share
    skipped and the share completed. -#}
{% macro listening_figures() -%}
    min(case when is_listen then event_at end) as first_listened_at,
    max(case when is_listen then event_at end) as last_listened_at,
    count(case when is_listen then 1 end) as starts,
    count(case when event_type = 'play' then 1 end) as plays,
    count(case when is_valid_play then 1 end) as valid_plays,
    count(case when event_type = 'skip' then 1 end) as skips,
    count(distinct case when is_listen then user_id end) as listeners,
    coalesce(sum(listened_ms), 0) as ms_played,
    {{ spotify_mds.safe_ratio("count(case when event_type = 'skip' then 1 end)", 'count(case when is_listen then 1 end)') }} as skip_rate,
    {{ spotify_mds.safe_ratio('count(case when is_completed then 1 end)', 'count(case when is_listen then 1 end)') }} as completion_rate
{%- endmacro %}
