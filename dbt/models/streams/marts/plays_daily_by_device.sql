-- Plays (events of type `play`) and distinct listeners per UTC day and device.
{{ spotify_mds.plays_daily_by('device_type') }}
