-- The most played artists of each day (ties broken by artist id).
{{ spotify_mds.top_played_daily(
    key='artist_id', rank_column='artist_rank', attributes=['artist_name'], limit=var('top_artists_per_day')) }}
