-- The most played tracks of each day (ties broken by track id, so the ranking is stable).
{{ spotify_mds.top_played_daily(
    key='track_id', rank_column='track_rank', attributes=['track_name', 'artist_id', 'artist_name'],
    limit=var('top_tracks_per_day')) }}
