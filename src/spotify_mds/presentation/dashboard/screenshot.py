"""The README's picture of the dashboard, taken from a real demo run: `make screenshot`.

    python -m spotify_mds.presentation.dashboard.screenshot [--data-dir data/screenshot] [--out docs/dashboard.png]

1. If `<data-dir>/lake` holds no gold export, run the demo pipeline there (`spotify-mds demo
   --no-serve` with DATA_DIR=<data-dir>): its own folder, so the picture never mixes in whatever
   else `./data` holds, and the same seed gives the same figures every time.
2. Serve the dashboard over that lake on a free local port (in this process).
3. Open it in headless Chromium (Playwright, the system's browser), wait until every panel has
   drawn, and write a full-page PNG.

Needs the `dev` extra (playwright) and a Chromium (`/usr/bin/chromium`, or CHROMIUM_PATH).
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from spotify_mds.presentation.dashboard.app import create_app
from spotify_mds.errors import ComponentUnavailable, SpotifyMdsError
from spotify_mds.export import read_manifest
from spotify_mds.lake import LocalLake

logger = logging.getLogger(__name__)

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 900}
READY_TIMEOUT_MS = 60_000


def ensure_demo_export(data_dir: Path) -> LocalLake:
    """The lake of a demo run in `data_dir`, running the demo pipeline there first if it has no export."""
    lake = LocalLake(data_dir / "lake")
    if read_manifest(lake) is None:
        logger.info("no gold export in %s: running the demo pipeline there", data_dir)
        env = {**os.environ, "DATA_DIR": str(data_dir)}
        for name in ("LAKE_URL", "DUCKDB_PATH", "USER_COUNT", "SIM_DAYS", "SIM_SEED", "SIM_START", "SIM_EVENTS"):
            env.pop(name, None)  # the demo's own defaults, whatever the shell or .env says
        command = [sys.executable, "-m", "spotify_mds.cli", "demo", "--no-serve"]
        done = subprocess.run(command, env=env, check=False)
        if done.returncode != 0 or read_manifest(lake) is None:
            raise SpotifyMdsError(f"the demo pipeline failed in {data_dir} (exit {done.returncode})")
    return lake


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(lake: LocalLake) -> Iterator[str]:
    """The dashboard over `lake` on a free port of 127.0.0.1, for the duration; yields its URL."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(lake), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise SpotifyMdsError("the dashboard server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def screenshot(url: str, out: Path, *, chromium: str) -> None:
    """A full-page PNG of the dashboard at `url`, taken with the Chromium at `chromium`."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ComponentUnavailable("the screenshot needs playwright: pip install -e '.[dev]'") from None
    if not Path(chromium).is_file():
        raise ComponentUnavailable(f"no Chromium at {chromium}: apt-get install -y chromium (or set CHROMIUM_PATH)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            capture(browser, url, out)
        finally:
            browser.close()


def capture(browser: Any, url: str, out: Path) -> None:
    """With a launched Playwright `browser`: open `url`, wait until every panel has drawn (or said why
    not), and write a full-page PNG to `out`."""
    page = browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(url)
        page.wait_for_selector('body[data-refreshes="1"]', state="attached", timeout=READY_TIMEOUT_MS)
        page.wait_for_function(
            "() => ![...document.querySelectorAll('.plot')].some((p) => p.dataset.state === 'loading')",
            timeout=READY_TIMEOUT_MS,
        )
        if errors:
            raise SpotifyMdsError(f"the dashboard page failed: {errors[0]}")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
    finally:
        page.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data/screenshot"))
    parser.add_argument("--out", type=Path, default=Path("docs/dashboard.png"))
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        lake = ensure_demo_export(args.data_dir.resolve())
        with serving(lake) as url:
            screenshot(url, args.out, chromium=args.chromium)
    except SpotifyMdsError as exc:
        print(f"{type(exc).__name__}: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} from the demo export in {args.data_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
