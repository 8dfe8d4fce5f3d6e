"""The static report: the dashboard's key charts as PNG files plus an HTML page that shows them.

Same questions as the web dashboard (`GoldReader`), drawn with matplotlib (figures made directly,
no pyplot state, Agg canvas), written to a local folder and to the lake under `gold/report/`. A mart
the export does not hold yet becomes a line "no data yet for <mart>" in the page instead of a chart;
a question with no rows for the filters (an empty range, an unknown country) becomes "no data for
<what was asked>" rather than empty axes. Names from the data are text: matplotlib reads `$…$` as
math (and fails on bad math), so `_text` escapes the dollar sign; the page escapes all it prints.
"""

from __future__ import annotations

import html
import io
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from matplotlib.figure import Figure

from spotify_mds.presentation.dashboard.panels import GREEN, INK, PALETTE
from spotify_mds.presentation.dashboard.queries import Filters, GoldReader, MissingMart, NoData, require_rows
from spotify_mds.lake import Lake

logger = logging.getLogger(__name__)

REPORT_PREFIX = "gold/report"
MUTED = "#64748B"
STYLE = (
    "<style>body{font-family:system-ui,sans-serif;margin:0;background:#F4F6F9;color:#0F172A}"
    "header{background:#0B1220;color:#F8FAFC;padding:20px 32px}h1{margin:0;font-size:22px}"
    "header p{margin:4px 0 0;color:#94A3B8;font-size:13px}main{max-width:1100px;margin:0 auto;padding:24px}"
    "section{background:#fff;border:1px solid #E5E9F0;border-radius:14px;padding:16px 20px;margin-bottom:20px}"
    "h2{font-size:16px;margin:0 0 8px}img{max-width:100%;height:auto}.missing{color:#64748B}</style></head>"
)


@dataclass
class ReportResult:
    out_dir: Path
    charts: list[str] = field(default_factory=list)
    """Chart names written (each as `<name>.png`)."""
    missing: dict[str, str] = field(default_factory=dict)
    """Chart name → the mart it is waiting for."""
    empty: dict[str, str] = field(default_factory=dict)
    """Chart name → "no data for …" (the mart has no rows for the filters)."""
    lake_keys: list[str] = field(default_factory=list)

    @property
    def index(self) -> Path:
        return self.out_dir / "index.html"


def _figure(height: float = 3.6) -> tuple[Figure, object]:
    fig = Figure(figsize=(9.6, height), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#CBD5E1")
    ax.tick_params(colors=INK, labelsize=9)
    ax.grid(axis="y", color="#EEF1F5")
    ax.set_axisbelow(True)
    return fig, ax


LABEL_CHARS = 48


def _text(values: list[str]) -> list[str]:
    """Labels shown as written (a `$` would start matplotlib's math mode), cut to LABEL_CHARS so a
    long name cannot squeeze the chart away."""
    cut = [v if len(v) <= LABEL_CHARS else v[: LABEL_CHARS - 1] + "…" for v in map(str, values)]
    return [v.replace("$", r"\$") for v in cut]


def _dates(values: list[str]) -> list[datetime]:
    return [datetime.fromisoformat(v) for v in values]


def _thousands(ax: object, axis: str = "y") -> None:
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _pos: f"{v / 1000:,.0f}k" if abs(v) >= 1000 else f"{v:,.0f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def _date_axis(ax: object) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def plays_hourly(reader: GoldReader, f: Filters) -> Figure:
    data = require_rows(reader.plays_hourly(f), f)
    fig, ax = _figure()
    x = _dates(data["hour_at"])
    ax.fill_between(x, data["plays"], color=GREEN, alpha=0.15, linewidth=0)
    ax.plot(x, data["plays"], color=GREEN, linewidth=1.4, label="plays")
    ax.plot(x, data["listeners"], color=PALETTE[1], linewidth=1, linestyle=":", label="listeners")
    ax.legend(frameon=False, fontsize=9, loc="upper left")
    _date_axis(ax)
    _thousands(ax)
    ax.set_ylim(bottom=0)
    return fig


def _barh(labels: list[str], values: list[int], color: str) -> Figure:
    fig, ax = _figure(height=3.8)
    ax.barh(labels[::-1], values[::-1], color=color, height=0.7)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#EEF1F5")
    _thousands(ax, "x")
    return fig


def top_tracks(reader: GoldReader, f: Filters) -> Figure:
    data = require_rows(reader.top_tracks(f), f)
    labels = [f"{t} · {a}" for t, a in zip(data["track_name"], data["artist_name"], strict=True)]
    return _barh(_text(labels), data["plays"], GREEN)


def top_artists(reader: GoldReader, f: Filters) -> Figure:
    data = require_rows(reader.top_artists(f), f)
    return _barh(_text(data["artist_name"]), data["plays"], PALETTE[1])


def device_mix(reader: GoldReader, f: Filters) -> Figure:
    data = require_rows(reader.device_mix(f), f)
    days = sorted(set(data["event_date"]))
    devices = sorted(set(data["device_type"]),
                     key=lambda d: -sum(p for dev, p in zip(data["device_type"], data["plays"], strict=True) if dev == d))
    plays = {(d, dev): p for d, dev, p in zip(data["event_date"], data["device_type"], data["plays"], strict=True)}
    fig, ax = _figure()
    x = [date.fromisoformat(d) for d in days]
    bottom = [0] * len(days)
    for i, device in enumerate(devices):
        values = [plays.get((d, device), 0) for d in days]
        ax.bar(x, values, bottom=bottom, color=PALETTE[i % len(PALETTE)], label=_text([device])[0], width=0.8)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.legend(frameon=False, fontsize=9, ncols=len(devices), loc="upper left", bbox_to_anchor=(0, 1.12))
    _date_axis(ax)
    _thousands(ax)
    return fig


def country_mix(reader: GoldReader, f: Filters) -> Figure:
    data = require_rows(reader.country_mix(f), f)
    fig, ax = _figure()
    ax.bar(_text(data["country_code"]), data["plays"], color=GREEN, width=0.65)
    _thousands(ax)
    return fig


def active_users(reader: GoldReader, f: Filters) -> Figure:
    data = require_rows(reader.active_users_daily(f), f)
    fig, ax = _figure()
    x = _dates(data["activity_date"])
    ax.plot(x, data["active_users"], color=GREEN, marker="o", markersize=3, linewidth=1.6, label="active")
    ax.plot(x, data["listening_users"], color=PALETTE[1], linewidth=1, linestyle=":", label="listening")
    ax.legend(frameon=False, fontsize=9, loc="lower left")
    _date_axis(ax)
    ax.set_ylim(bottom=0)
    return fig


def sessions(reader: GoldReader, f: Filters) -> Figure:
    data = require_rows(reader.sessions(f), f)
    fig, ax = _figure()
    x = _dates(data["session_date"])
    ax.bar(x, data["sessions"], color=PALETTE[1], alpha=0.35, width=0.8, label="sessions")
    ax.set_ylabel("sessions", color=MUTED, fontsize=9)
    ax2 = ax.twinx()
    ax2.plot(x, data["avg_session_minutes"], color=GREEN, marker="o", markersize=3, label="avg minutes")
    ax2.plot(x, data["median_session_minutes"], color=PALETTE[2], linestyle=":", label="median minutes")
    ax2.set_ylim(bottom=0)
    ax2.set_ylabel("minutes", color=MUTED, fontsize=9)
    ax2.spines[["top"]].set_visible(False)
    ax2.tick_params(labelsize=9)
    ax2.legend(frameon=False, fontsize=9, loc="lower right")
    _date_axis(ax)
    return fig


def retention(reader: GoldReader, f: Filters) -> Figure:
    data = require_rows(reader.retention(f), f)
    cohorts = sorted(set(data["cohort_week"]))
    weeks = sorted(set(data["week_number"]))
    grid = [[float("nan")] * len(weeks) for _ in cohorts]
    for cohort, week, rate in zip(data["cohort_week"], data["week_number"], data["retention_rate"], strict=True):
        grid[cohorts.index(cohort)][weeks.index(week)] = rate
    fig, ax = _figure(height=0.5 * len(cohorts) + 1.4)
    from matplotlib.colors import LinearSegmentedColormap

    cmap = LinearSegmentedColormap.from_list("retention", ["#F1F5F9", "#86E3A8", GREEN])
    ax.imshow(grid, cmap=cmap, vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(weeks)), [f"week {w}" for w in weeks])
    ax.set_yticks(range(len(cohorts)), cohorts)
    ax.grid(False)
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            if not math.isnan(value):
                ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=9, color=INK)
    return fig


def artist_skips(reader: GoldReader, f: Filters) -> Figure:
    data = require_rows(reader.artist_skip_rates(), Filters())
    fig, ax = _figure(height=3.8)
    labels = _text(data["artist_name"])[::-1]
    y = range(len(labels))
    ax.barh([i + 0.2 for i in y], data["completion_rate"][::-1], height=0.4, color=GREEN, label="completion rate")
    ax.barh([i - 0.2 for i in y], data["skip_rate"][::-1], height=0.4, color=PALETTE[3], label="skip rate")
    ax.set_yticks(list(y), labels)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    ax.grid(axis="y", visible=False)
    ax.legend(frameon=False, fontsize=9, ncols=2, loc="upper left", bbox_to_anchor=(0, 1.1))
    return fig


# name → (title, first mart it reads, draw)
CHARTS: dict[str, tuple[str, str, Callable[[GoldReader, Filters], Figure]]] = {
    "plays_hourly": ("Plays per hour", "plays_hourly", plays_hourly),
    "top_tracks": ("Top tracks", "top_tracks_daily", top_tracks),
    "top_artists": ("Top artists", "top_artists_daily", top_artists),
    "device_mix": ("Device mix (plays per day)", "plays_daily_by_device", device_mix),
    "country_mix": ("Country mix (plays)", "plays_daily_by_country", country_mix),
    "active_users": ("Daily active users", "active_users_daily", active_users),
    "sessions": ("Sessions per day and their length", "sessions_daily", sessions),
    "retention": ("Retention cohorts", "retention_weekly_by_cohort", retention),
    "artist_skips": ("Skip and completion rates by artist (all time)", "artists", artist_skips),
}


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


def _page(result: ReportResult, manifest: dict | None, f: Filters) -> str:
    esc = html.escape
    period = f"{f.start or 'start'} → {f.end or 'latest'}" + (f" · {f.country}" if f.country else "")
    lines = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8"><title>spotify-mds report</title>',
        STYLE,
        "<body><header><h1>Listening report</h1>",
    ]
    if manifest:
        lines.append(
            f"<p>Latest event {esc(str(manifest.get('newest_event_at')))} · last pipeline run "
            f"{esc(str(manifest.get('exported_at')))} · period {esc(period)}</p>"
        )
    else:
        lines.append("<p>No data yet: the pipeline has not exported any gold marts.</p>")
    lines.append("</header><main>")
    for name, (title, mart, _draw) in CHARTS.items():
        lines.append(f'<section id="{name}"><h2>{esc(title)}</h2>')
        if name in result.charts:
            lines.append(f'<img src="{name}.png" alt="{esc(title)}">')
        elif name in result.empty:
            lines.append(f'<p class="missing">{esc(result.empty[name])}</p>')
        else:
            lines.append(f'<p class="missing">no data yet for {esc(result.missing.get(name, mart))}</p>')
        lines.append("</section>")
    lines.append("</main></body></html>")
    return "\n".join(lines) + "\n"


def build_report(lake: Lake, out_dir: Path, *, filters: Filters | None = None, to_lake: bool = True) -> ReportResult:
    """Draw every chart the export has data for; write PNGs and index.html to `out_dir` and the lake."""
    filters = filters or Filters()
    out_dir.mkdir(parents=True, exist_ok=True)
    result = ReportResult(out_dir)
    reader = GoldReader(lake)
    files: dict[str, bytes] = {}
    try:
        manifest = reader.manifest()
        for name, (title, _mart, draw) in CHARTS.items():
            try:
                figure = draw(reader, filters)
            except (MissingMart, NoData) as absent:
                if isinstance(absent, MissingMart):
                    result.missing[name] = absent.mart
                else:
                    result.empty[name] = str(absent)
                (out_dir / f"{name}.png").unlink(missing_ok=True)  # no stale chart next to "no data"
                if to_lake:
                    lake.delete(f"{REPORT_PREFIX}/{name}.png")
                continue
            figure.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold", color=INK)
            files[f"{name}.png"] = _png(figure)
            result.charts.append(name)
    finally:
        reader.close()
    files["index.html"] = _page(result, manifest, filters).encode()
    for filename, data in files.items():
        (out_dir / filename).write_bytes(data)
        if to_lake:
            key = f"{REPORT_PREFIX}/{filename}"
            lake.put(key, data)
            result.lake_keys.append(key)
    logger.info("report: %d charts, %d waiting for data, %d with no data for the filters",
                len(result.charts), len(result.missing), len(result.empty))
    return result
