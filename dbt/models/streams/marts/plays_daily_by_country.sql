-- Plays (events of type `play`) and distinct listeners per UTC day and country.
{{ spotify_mds.plays_daily_by('country_code') }}
