-- The most played tracks of each day in each country (ties broken by track id).
{{ spotify_mds.top_played_daily(
    key='track_id', rank_column='track_rank', attributes=['track_name', 'artist_id', 'artist_name'],
    limit=var('top_tracks_per_country_day'), partition_by=['country_code']) }}
