"""The dashboard's panels: which question each asks, and the Plotly figure (plain JSON) it draws.

Figures are built here, in Python, as the dicts `Plotly.react(div, data, layout)` takes, so the page's
JavaScript stays a thin renderer and every chart can be tested without a browser.

Every text from the data is text: plotly.js renders a subset of HTML in whatever it draws (tick
labels, legends, hover boxes: `<a href>` becomes a live link, `<span style>` is styled), so
`Panel.figure` escapes `&`, `<` and `>` in every string of a trace's data before it leaves Python
(plotly shows the entities as the characters they stand for). Hover templates never format data in:
they name it (`%{y}`, `%{fullData.name}`), so plotly substitutes the escaped value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from spotify_mds.presentation.dashboard.queries import Filters, GoldReader, MissingMart

GREEN = "#1DB954"
PALETTE = ("#1DB954", "#2E77D0", "#F59B23", "#E8115B", "#8B5CF6", "#14B8A6", "#64748B", "#F472B6")
MUTED = "#CBD5E1"
INK = "#0F172A"

Figure = dict[str, Any]


@dataclass(frozen=True)
class Panel:
    id: str
    title: str
    subtitle: str
    marts: tuple[str, ...]
    """Marts the panel may read (the first is the one named when data is missing)."""
    filters: tuple[str, ...]
    """Which filters change it: "date", "country"."""
    build: Callable[[GoldReader, Filters], Figure]
    wide: bool = False

    def figure(self, reader: GoldReader, f: Filters) -> Figure:
        """The panel's figure, with every data-derived string escaped for plotly (see the module doc)."""
        return escape_figure(self.build(reader, f))


_TRACE_DATA = ("x", "y", "z", "text", "customdata", "labels", "name", "ids")


def plain_text(value: str) -> str:
    """`value` as plotly shows it literally: `&`, `<` and `>` as entities."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return plain_text(value)
    if isinstance(value, list | tuple):
        return [_escaped(v) for v in value]
    return value


def escape_figure(figure: Figure) -> Figure:
    """`figure` with the strings of its traces' data escaped (the layout holds no data)."""
    traces = [{**trace, **{key: _escaped(trace[key]) for key in _TRACE_DATA if key in trace}}
              for trace in figure["data"]]
    return {**figure, "data": traces}


def _layout(**extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "margin": {"l": 56, "r": 16, "t": 8, "b": 40},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": "Inter, system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12, "color": INK},
        "colorway": list(PALETTE),
        "hovermode": "closest",
        "showlegend": False,
        "xaxis": {"gridcolor": "#EEF1F5", "zeroline": False, "automargin": True},
        "yaxis": {"gridcolor": "#EEF1F5", "zeroline": False, "automargin": True, "rangemode": "tozero"},
        "legend": {"orientation": "h", "y": 1.12, "x": 0, "font": {"size": 11}},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout


def _daily_axis(days: list[str]) -> dict[str, Any]:
    """Ticks on whole days (Plotly would put 12:00 ticks between a few daily points)."""
    step = max(1, -(-len(set(days)) // 8))
    return {"tickformat": "%d %b", "dtick": 86_400_000 * step, "tick0": min(days)} if days else {}


def plays_hourly(reader: GoldReader, f: Filters) -> Figure:
    data = reader.plays_hourly(f)
    return {
        "data": [
            {
                "type": "scatter", "mode": "lines", "name": "plays", "x": data["hour_at"], "y": data["plays"],
                "line": {"color": GREEN, "width": 2, "shape": "spline", "smoothing": 0.4},
                "fill": "tozeroy", "fillcolor": "rgba(29,185,84,0.12)",
                "hovertemplate": "%{x|%a %d %b %H:00}<br><b>%{y:,}</b> plays<extra></extra>",
            },
            {
                "type": "scatter", "mode": "lines", "name": "listeners", "x": data["hour_at"], "y": data["listeners"],
                "line": {"color": PALETTE[1], "width": 1.5, "dash": "dot"},
                "hovertemplate": "%{x|%a %d %b %H:00}<br><b>%{y:,}</b> listeners<extra></extra>",
            },
        ],
        "layout": _layout(showlegend=True, hovermode="x unified"),
    }


def _bar_h(labels: list[str], values: list[Any], color: str, hover: str, text: list[str] | None = None) -> Figure:
    return {
        "data": [
            {
                "type": "bar", "orientation": "h", "x": values[::-1], "y": labels[::-1],
                "marker": {"color": color}, "hovertemplate": hover,
                **({"customdata": text[::-1]} if text else {}),
            }
        ],
        "layout": _layout(margin={"l": 8, "r": 16, "t": 8, "b": 36}, yaxis={"gridcolor": "rgba(0,0,0,0)"}),
    }


def top_tracks(reader: GoldReader, f: Filters) -> Figure:
    data = reader.top_tracks(f)
    labels = [f"{name} · {artist}" for name, artist in zip(data["track_name"], data["artist_name"], strict=True)]
    return _bar_h(labels, data["plays"], GREEN, "%{y}<br><b>%{x:,}</b> plays<extra></extra>")


def top_artists(reader: GoldReader, f: Filters) -> Figure:
    data = reader.top_artists(f)
    return _bar_h(data["artist_name"], data["plays"], PALETTE[1], "%{y}<br><b>%{x:,}</b> plays<extra></extra>")


def _rates(data: dict[str, list[Any]], labels: list[str]) -> Figure:
    return {
        "data": [
            {
                "type": "bar", "orientation": "h", "name": "skip rate", "y": labels[::-1],
                "x": data["skip_rate"][::-1], "marker": {"color": PALETTE[3]},
                "hovertemplate": "%{y}<br>skip rate <b>%{x:.1%}</b><extra></extra>",
            },
            {
                "type": "bar", "orientation": "h", "name": "completion rate", "y": labels[::-1],
                "x": data["completion_rate"][::-1], "marker": {"color": GREEN},
                "hovertemplate": "%{y}<br>completion <b>%{x:.1%}</b><extra></extra>",
            },
        ],
        "layout": _layout(
            barmode="group", showlegend=True, bargap=0.25,
            margin={"l": 8, "r": 16, "t": 8, "b": 36},
            xaxis={"tickformat": ".0%", "range": [0, 1]},
            yaxis={"gridcolor": "rgba(0,0,0,0)"},
        ),
    }


def track_skips(reader: GoldReader, f: Filters) -> Figure:
    data = reader.track_skip_rates()
    return _rates(data, [f"{t} · {a}" for t, a in zip(data["track_name"], data["artist_name"], strict=True)])


def artist_skips(reader: GoldReader, f: Filters) -> Figure:
    data = reader.artist_skip_rates()
    return _rates(data, data["artist_name"])


def device_mix(reader: GoldReader, f: Filters) -> Figure:
    data = reader.device_mix(f)
    devices = sorted(set(data["device_type"]), key=lambda d: -sum(
        p for dev, p in zip(data["device_type"], data["plays"], strict=True) if dev == d))
    traces = []
    for i, device in enumerate(devices):
        rows = [(d, p) for d, dev, p in zip(data["event_date"], data["device_type"], data["plays"], strict=True)
                if dev == device]
        traces.append({
            "type": "bar", "name": device, "x": [r[0] for r in rows], "y": [r[1] for r in rows],
            "marker": {"color": PALETTE[i % len(PALETTE)]},
            "hovertemplate": "%{fullData.name}<br>%{x|%a %d %b}: <b>%{y:,}</b> plays<extra></extra>",
        })
    return {"data": traces, "layout": _layout(barmode="stack", showlegend=True, bargap=0.15,
                                              legend={"traceorder": "normal"}, xaxis=_daily_axis(data["event_date"]))}


def country_mix(reader: GoldReader, f: Filters) -> Figure:
    data = reader.country_mix(f)
    colors = [GREEN if not f.country or c == f.country else MUTED for c in data["country_code"]]
    total = sum(data["plays"]) or 1
    return {
        "data": [{
            "type": "bar", "x": data["country_code"], "y": data["plays"], "marker": {"color": colors},
            "customdata": [p / total for p in data["plays"]],
            "hovertemplate": "%{x}<br><b>%{y:,}</b> plays (%{customdata:.1%})<extra></extra>",
        }],
        "layout": _layout(bargap=0.3),
    }


def active_users(reader: GoldReader, f: Filters) -> Figure:
    daily = reader.active_users_daily(f)
    traces = [{
        "type": "scatter", "mode": "lines+markers", "name": "daily", "x": daily["activity_date"],
        "y": daily["active_users"], "line": {"color": GREEN, "width": 2}, "marker": {"size": 4},
        "hovertemplate": "%{x|%a %d %b}<br><b>%{y:,}</b> daily active<extra></extra>",
    }]
    try:
        periods = reader.active_users(f)
    except MissingMart:  # weekly/monthly are a bonus on the daily line
        periods = {"period": [], "period_start": [], "active_users": []}
    for color, period in ((PALETTE[1], "week"), (PALETTE[2], "month")):
        rows = [(s, n) for p, s, n in zip(periods["period"], periods["period_start"], periods["active_users"],
                                          strict=True) if p == period]
        if rows:
            # A step per period, held to the period's end (so the last one does not end at its start).
            last = date.fromisoformat(rows[-1][0])
            end = last + timedelta(days=7) if period == "week" else (last.replace(day=28) + timedelta(days=4)).replace(day=1)
            rows.append((end.isoformat(), rows[-1][1]))
            traces.append({
                "type": "scatter", "mode": "lines", "name": f"{period}ly", "line": {"color": color, "shape": "hv"},
                "x": [r[0] for r in rows], "y": [r[1] for r in rows],
                "hovertemplate": f"%{{x|%d %b}}<br><b>%{{y:,}}</b> {period}ly active<extra></extra>",
            })
    layout = _layout(showlegend=True, xaxis=_daily_axis(daily["activity_date"]))
    if daily["activity_date"]:  # show the days the data covers, not the whole first month
        first, last = date.fromisoformat(daily["activity_date"][0]), date.fromisoformat(daily["activity_date"][-1])
        half_day = timedelta(hours=12)
        layout["xaxis"] = {**layout["xaxis"], "range": [(datetime.combine(first, time()) - half_day).isoformat(),
                                                        (datetime.combine(last, time()) + half_day).isoformat()]}
    return {"data": traces, "layout": layout}


def sessions(reader: GoldReader, f: Filters) -> Figure:
    data = reader.sessions(f)
    return {
        "data": [
            {
                "type": "bar", "name": "sessions", "x": data["session_date"], "y": data["sessions"],
                "marker": {"color": "rgba(46,119,208,0.35)"},
                "hovertemplate": "%{x|%a %d %b}<br><b>%{y:,}</b> sessions<extra></extra>",
            },
            {
                "type": "scatter", "mode": "lines+markers", "name": "avg minutes", "yaxis": "y2",
                "x": data["session_date"], "y": data["avg_session_minutes"], "line": {"color": GREEN, "width": 2},
                "marker": {"size": 4}, "hovertemplate": "avg <b>%{y:.1f}</b> min<extra></extra>",
            },
            {
                "type": "scatter", "mode": "lines", "name": "median minutes", "yaxis": "y2",
                "x": data["session_date"], "y": data["median_session_minutes"],
                "line": {"color": PALETTE[2], "width": 1.5, "dash": "dot"},
                "hovertemplate": "median <b>%{y:.1f}</b> min<extra></extra>",
            },
        ],
        "layout": _layout(
            showlegend=True, margin={"l": 56, "r": 48, "t": 8, "b": 40}, xaxis=_daily_axis(data["session_date"]),
            yaxis={"title": {"text": "sessions", "font": {"size": 11}}},
            yaxis2={"overlaying": "y", "side": "right", "showgrid": False, "rangemode": "tozero", "tickformat": ".0f",
                    "title": {"text": "minutes", "font": {"size": 11}}},
        ),
    }


def retention(reader: GoldReader, f: Filters) -> Figure:
    data = reader.retention(f)
    cohorts = sorted(set(data["cohort_week"]))
    weeks = sorted(set(data["week_number"]))
    grid: list[list[float | None]] = [[None] * len(weeks) for _ in cohorts]
    sizes = {}
    for cohort, week, users, rate in zip(data["cohort_week"], data["week_number"], data["cohort_users"],
                                         data["retention_rate"], strict=True):
        grid[cohorts.index(cohort)][weeks.index(week)] = rate
        sizes[cohort] = users
    labels = [f"{c} ({sizes[c]:,})" for c in cohorts]
    text = [["" if v is None else f"{v:.0%}" for v in row] for row in grid]
    return {
        "data": [{
            "type": "heatmap", "z": grid, "x": [f"week {w}" for w in weeks], "y": labels, "text": text,
            "texttemplate": "%{text}", "zmin": 0, "zmax": 1, "xgap": 2, "ygap": 2,
            "colorscale": [[0, "#F1F5F9"], [0.5, "#86E3A8"], [1, GREEN]], "showscale": False,
            "hovertemplate": "cohort %{y}<br>%{x}: <b>%{z:.1%}</b> retained<extra></extra>",
        }],
        "layout": _layout(
            margin={"l": 8, "r": 8, "t": 8, "b": 36},
            yaxis={"autorange": "reversed", "gridcolor": "rgba(0,0,0,0)", "rangemode": "normal"},
            xaxis={"side": "top", "gridcolor": "rgba(0,0,0,0)"},
        ),
    }


def conversions(reader: GoldReader, f: Filters) -> Figure:
    data = reader.level_conversions_daily(f)
    return {
        "data": [
            {"type": "bar", "name": "upgrades", "x": data["event_date"], "y": data["upgrades"],
             "marker": {"color": GREEN}, "hovertemplate": "%{x|%d %b}: <b>%{y}</b> upgrades<extra></extra>"},
            {"type": "bar", "name": "downgrades", "x": data["event_date"], "y": [-v for v in data["downgrades"]],
             "marker": {"color": PALETTE[3]}, "customdata": data["downgrades"],
             "hovertemplate": "%{x|%d %b}: <b>%{customdata}</b> downgrades<extra></extra>"},
        ],
        "layout": _layout(barmode="relative", showlegend=True, yaxis={"rangemode": "normal"},
                          xaxis=_daily_axis(data["event_date"])),
    }


PANELS: tuple[Panel, ...] = (
    Panel("plays_hourly", "Plays per hour", "Plays and distinct listeners per UTC hour",
          ("plays_hourly", "plays_hourly_by_country"), ("date", "country"), plays_hourly, wide=True),
    Panel("top_tracks", "Top tracks", "Most played tracks in the period",
          ("top_tracks_daily", "top_tracks_daily_by_country"), ("date", "country"), top_tracks),
    Panel("top_artists", "Top artists", "Most played artists in the period · all countries",
          ("top_artists_daily",), ("date",), top_artists),
    Panel("device_mix", "Device mix", "Plays per day by device",
          ("plays_daily_by_device", "listening_hourly_by_country_device"), ("date", "country"), device_mix),
    Panel("country_mix", "Country mix", "Plays by country in the period",
          ("plays_daily_by_country",), ("date", "country"), country_mix),
    Panel("active_users", "Active users", "Daily, weekly and monthly active users",
          ("active_users_daily", "active_users_by_period"), ("date",), active_users),
    Panel("sessions", "Sessions", "Sessions per day and their length",
          ("sessions_daily",), ("date",), sessions),
    Panel("track_skips", "Skip rates · tracks", "Most started tracks · all time",
          ("tracks",), (), track_skips),
    Panel("artist_skips", "Skip rates · artists", "Most started artists · all time",
          ("artists",), (), artist_skips),
    Panel("retention", "Retention cohorts", "Share of each weekly cohort still listening, by week",
          ("retention_weekly_by_cohort",), ("date",), retention),
    Panel("conversions", "Free ↔ paid", "Upgrades and downgrades per day",
          ("level_conversions_daily",), ("date",), conversions),
)

PANELS_BY_ID = {panel.id: panel for panel in PANELS}
