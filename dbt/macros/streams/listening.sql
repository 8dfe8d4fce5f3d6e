{#- What counts as listening, decided once for every mart (a dashboard only reads the result).

    A play or a skip is a listen: the track was started and heard for `ms_played` before it ended or
    was skipped. A pause's or a playlist add's `ms_played` is a position in the track, not more
    listening, so it adds nothing. "Hours listened" anywhere (all countries, one country, one hour)
    is the sum of `listened_ms()` over the events it covers, so the figures add up across marts. -#}

{#- True for the events whose ms_played is time listened. -#}
{% macro is_listen(event_type='event_type') -%}
    {{ event_type }} in ('play', 'skip')
{%- endmacro %}

{#- An event's time listened in milliseconds: its ms_played if it is a listen, else 0. -#}
{% macro listened_ms(event_type='event_type', ms_played='ms_played') -%}
    case when {{ spotify_mds.is_listen(event_type) }} then {{ ms_played }} else 0 end
{%- endmacro %}
