"""The presentation's commands: dashboard, report, metabase provision.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from spotify_mds.commands import _settings, _stage_settings, app, console  # noqa: F401 - the shared edge
from spotify_mds.settings import Settings


@app.command()
def dashboard(
    host: Annotated[Optional[str], typer.Option(help="Address to listen on (DASHBOARD_HOST).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (DASHBOARD_PORT).")] = None,
) -> None:
    """Serve the web dashboard over the gold export (read-only) until Ctrl-C."""
    settings = _settings(dashboard_host=host, dashboard_port=port)
    serve(settings, bind(settings))


def bind(settings: Settings):
    """A socket listening on DASHBOARD_HOST:DASHBOARD_PORT, or a one-line error (port in use, bad host).

    Bound before anything says "serving", so the message is true when it is printed.
    """
    import errno
    import socket

    from spotify_mds.errors import ComponentUnavailable, ConfigError
    from spotify_mds.extras import require_extra

    require_extra("dashboard")
    host, port = settings.dashboard_host, settings.dashboard_port
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = addresses[0]
    except socket.gaierror as exc:
        raise ConfigError(f"DASHBOARD_HOST={host} cannot be listened on: {exc.strerror}") from exc
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ComponentUnavailable(
                f"port {port} is in use on {host}: stop what holds it, or choose another (--port, DASHBOARD_PORT)"
            ) from exc
        raise ConfigError(f"cannot listen on {host}:{port} (DASHBOARD_HOST, DASHBOARD_PORT): {exc.strerror}") from exc
    return sock


def serve(settings: Settings, sock) -> None:
    from spotify_mds.presentation.dashboard import serve as serve_dashboard
    from spotify_mds.runner import lake_from

    host, port = settings.dashboard_host, settings.dashboard_port
    console.print(f"dashboard on [bold]http://{host}:{port}[/] — Ctrl-C to stop")
    serve_dashboard(lake_from(settings), host=host, port=port, sock=sock)


@app.command()
def report(
    out: Annotated[Path, typer.Option(help="Local folder for the PNGs and index.html.")] = Path("reports"),
    start: Annotated[Optional[str], typer.Option(help="First day (YYYY-MM-DD), default: all.")] = None,
    end: Annotated[Optional[str], typer.Option(help="Last day (YYYY-MM-DD), inclusive.")] = None,
    country: Annotated[Optional[str], typer.Option(help="Two-letter country code.")] = None,
    to_lake: Annotated[bool, typer.Option("--lake/--no-lake", help="Also write to the lake's gold/report/.")] = True,
) -> None:
    """Draw the key charts as PNGs plus an HTML page, into a folder and the lake's gold/report/."""
    from spotify_mds.extras import require_extra

    require_extra("dashboard")  # the report draws with matplotlib, and reads gold as the dashboard does
    from spotify_mds.presentation.dashboard.queries import parse_filters
    from spotify_mds.presentation.report import build_report
    from spotify_mds.runner import lake_from

    filters = parse_filters(start, end, country)
    result = build_report(lake_from(_settings()), out, filters=filters, to_lake=to_lake)
    for name, mart in result.missing.items():
        console.print(f"{name}: no data yet for {mart}")
    for name, message in result.empty.items():
        console.print(f"{name}: {message}")
    console.print(f"{len(result.charts)} charts → [bold]{result.index}[/]" + (" and gold/report/ in the lake" if to_lake else ""))


metabase_app = typer.Typer(help="Metabase dashboards as code (metabase/dashboards.yml).", no_args_is_help=True)
app.add_typer(metabase_app, name="metabase")


@metabase_app.command("provision")
def metabase_provision(
    url: Annotated[Optional[str], typer.Option(help="Metabase's address (MB_URL).")] = None,
    definitions: Annotated[Optional[Path], typer.Option(help="Definitions file (default metabase/dashboards.yml).")] = None,
) -> None:
    """Create or update the admin, warehouse connection, collection, questions and dashboard (idempotent)."""
    from spotify_mds.presentation import metabase as mb
    from spotify_mds.errors import ConfigError
    from spotify_mds.extras import require

    httpx2 = require("httpx2")

    settings = _settings()
    mb_settings = mb.MetabaseSettings()
    if not mb_settings.admin_email or not mb_settings.admin_password.get_secret_value():
        raise ConfigError("set MB_ADMIN_EMAIL and MB_ADMIN_PASSWORD (environment or .env)")
    from spotify_mds.warehouse import warehouse_from

    warehouse = warehouse_from(settings)
    if warehouse.name not in mb.WAREHOUSES:  # PostgreSQL by default: Metabase has no built-in DuckDB driver
        warehouse = warehouse_from(settings.model_copy(update={"warehouse": "postgres"}))
    database = mb.database_spec(mb_settings.database_name, warehouse, host=mb_settings.warehouse_host)
    admin = mb.Admin(mb_settings.admin_email, mb_settings.admin_password.get_secret_value(), site_name=mb_settings.site_name)
    with httpx2.Client(base_url=url or mb_settings.url, timeout=30) as http:
        result = mb.provision(mb.MetabaseClient(http), mb.load_definitions(definitions), database=database,
                              admin=admin, ready_timeout=mb_settings.ready_timeout)
    console.print(f"created {len(result.created)}, updated {len(result.updated)}, unchanged {len(result.unchanged)}")
    for name, dashboard_id in result.dashboard_ids.items():
        console.print(f"{name}: {(url or mb_settings.url).rstrip('/')}/dashboard/{dashboard_id}")
