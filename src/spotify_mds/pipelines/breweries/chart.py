"""The seed's chart: breweries per type by location, drawn from gold, stored in the lake and locally.

`gold/visualizations/breweries_per_type_location.png` in the lake and the same bytes in a local
file (`DATA_DIR/visualizations/…` by default). It is drawn again on every run from the gold rows it
is given, with the snapshot date in its title, so the picture always says which data it shows.
The locations are the `top` ones by breweries (`country / state`), bars stacked by type.
"""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path
from typing import Any

from spotify_mds.extras import require
from spotify_mds.lake import Lake

LAKE_KEY = "gold/visualizations/breweries_per_type_location.png"


def location(row: dict[str, Any]) -> str:
    return f"{row.get('country') or 'unknown'} / {row.get('state_province') or 'unknown'}"


def render(rows: list[dict[str, Any]], snapshot_date: str, *, top: int = 20) -> bytes:
    """A PNG: stacked horizontal bars, one per location, one colour per brewery type."""
    require("matplotlib", purpose="the breweries chart").use("Agg")  # no display: draw to a file
    plt = require("matplotlib.pyplot", purpose="the breweries chart")

    per_location: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        per_location[location(row)][row["brewery_type"]] += int(row["breweries"])
    ranked = sorted(per_location, key=lambda name: (-sum(per_location[name].values()), name))[:top]
    types = sorted({kind for name in ranked for kind in per_location[name]})
    figure, axes = plt.subplots(figsize=(11, max(4, 0.38 * len(ranked) + 1.5)), dpi=100)
    try:
        left = [0] * len(ranked)
        colours = plt.get_cmap("tab20")
        for index, kind in enumerate(types):
            values = [per_location[name].get(kind, 0) for name in ranked]
            axes.barh(ranked, values, left=left, label=kind, color=colours(index % 20))
            left = [a + b for a, b in zip(left, values)]
        axes.invert_yaxis()
        axes.set_xlabel("breweries")
        axes.set_title(f"Breweries per type, top {len(ranked)} locations (snapshot {snapshot_date})")
        if types:
            axes.legend(title="type", fontsize="small", loc="lower right")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()
    finally:
        plt.close(figure)


def draw(lake: Lake, rows: list[dict[str, Any]], snapshot_date: str, local_path: Path | None) -> bytes:
    """Render and store the chart in the lake and (when given) locally; the PNG bytes."""
    data = render(rows, snapshot_date)
    lake.put(LAKE_KEY, data)
    if local_path is not None:
        local_path.parent.mkdir(parents=True, exist_ok=True)
        local_path.write_bytes(data)
    return data


__all__ = ["LAKE_KEY", "draw", "location", "render"]
