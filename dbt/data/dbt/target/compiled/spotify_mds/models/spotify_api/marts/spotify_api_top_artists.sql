-- The user's top artists over time: each snapshot's ranking with the artist's rank in the previous
-- snapshot of the same time range (rank_change > 0: climbed; is_new_entry: absent before).
with ranked as (
    select snapshot_date, time_range, artist_rank, artist_id, artist_name
    from "warehouse"."silver"."stg_spotify_api__top_artists"
),

snapshots as (
    select
        time_range,
        snapshot_date,
        lag(snapshot_date) over (partition by time_range order by snapshot_date) as previous_snapshot_date
    from (select distinct time_range, snapshot_date from ranked) as days
)

select
    cast(current_day.snapshot_date as date) as snapshot_date,
    cast(current_day.time_range as TEXT) as time_range,
    cast(current_day.artist_rank as integer) as artist_rank,
    cast(current_day.artist_id as TEXT) as artist_id,
    cast(current_day.artist_name as TEXT) as artist_name,
    cast(snapshots.previous_snapshot_date as date) as previous_snapshot_date,
    cast(previous_day.artist_rank as integer) as previous_rank,
    cast(previous_day.artist_rank - current_day.artist_rank as integer) as rank_change,
    snapshots.previous_snapshot_date is not null and previous_day.artist_id is null as is_new_entry
from ranked as current_day
inner join snapshots
    on current_day.time_range = snapshots.time_range
    and current_day.snapshot_date = snapshots.snapshot_date
left join ranked as previous_day
    on previous_day.time_range = current_day.time_range
    and previous_day.snapshot_date = snapshots.previous_snapshot_date
    and previous_day.artist_id = current_day.artist_id