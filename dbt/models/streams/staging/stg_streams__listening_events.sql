-- One row per event: typed, renamed, deduplicated on event_id (a replay or a duplicate delivery
-- lands the same event twice; the earliest-loaded copy wins, ties broken by file key).
--
-- Incremental (silver is the one model whose cost grows with history): each run reads only the raw
-- rows loaded since the newest load time already in silver, minus a lookback window, so late
-- events (old event time, new load) are always picked up, whatever their event time. Dedup holds
-- across batches: an event_id already in silver is never inserted again. The lookback covers loads
-- that committed out of order (two loaders); re-reading rows is harmless for the same reason.
-- On PostgreSQL a unique index on event_id serves the anti-join and the delete+insert. DuckDB
-- needs none (its joins hash), and an index there (an ART index built at commit) would cost more
-- than it saves (BENCHMARKS.md). A staging model is normally a view (STYLE.md); this one is
-- materialised because deduplicating the whole raw table on every read would make every
-- downstream model pay for it.
{{ config(
    materialized='incremental',
    unique_key='event_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    indexes=[{'columns': ['event_id'], 'unique': True}] if target.type == 'postgres' else [],
) }}

-- Read twice (duplicates, then rows), scanned twice rather than written out whole first.
with batch as {{ spotify_mds.not_materialized() }} (
    select *
    from {{ source('streams', 'listening_events') }}
    {% if is_incremental() %}
    -- coalesce: a silver built while raw was empty must still pick everything up next time
    where _loaded_at >= coalesce(
        (
            select {{ dbt.dateadd('minute', -var('incremental_lookback_minutes'), 'max(loaded_at)') }}
            from {{ this }}
        ),
        cast('1900-01-01 00:00:00' as timestamp)
    )
    {% endif %}
),

-- Only an event_id seen more than once needs ranking: finding the few duplicates and ranking just
-- them is cheaper than a window sorting every row (all columns) by event_id.
duplicated as (
    select event_id
    from batch
    group by event_id
    having count(*) > 1
),

ranked as (
    select *, 1 as copy_number
    from batch
    where not exists (select 1 from duplicated where duplicated.event_id = batch.event_id)
    union all
    select
        *,
        row_number() over (partition by event_id order by _loaded_at, _source_file) as copy_number
    from batch
    where exists (select 1 from duplicated where duplicated.event_id = batch.event_id)
)

select
    cast(event_id as {{ dbt.type_string() }}) as event_id,
    cast(user_id as {{ dbt.type_string() }}) as user_id,
    cast(session_id as {{ dbt.type_string() }}) as client_session_id,
    cast(song_id as {{ dbt.type_string() }}) as track_id,
    cast(song_name as {{ dbt.type_string() }}) as track_name,
    cast(coalesce(artist_id, artist_name) as {{ dbt.type_string() }}) as artist_id,
    cast(artist_name as {{ dbt.type_string() }}) as artist_name,
    cast(event_type as {{ dbt.type_string() }}) as event_type,
    cast(device_type as {{ dbt.type_string() }}) as device_type,
    cast(country as {{ dbt.type_string() }}) as country_code,
    cast({{ spotify_mds.raw_column('timestamp') }} as timestamp) as event_at,
    cast({{ spotify_mds.raw_column('timestamp') }} as date) as event_date,
    cast(duration_ms as bigint) as duration_ms,
    cast(ms_played as bigint) as ms_played,
    cast(level as {{ dbt.type_string() }}) as subscription_level,
    cast(_source_file as {{ dbt.type_string() }}) as source_file,
    cast(_loaded_at as timestamp) as loaded_at
from ranked
where copy_number = 1
{% if is_incremental() %}
  and not exists (select 1 from {{ this }} as existing where existing.event_id = ranked.event_id)
{% endif %}
