"""`spotify-mds docs`: dbt's documentation site and lineage graph, for every pipeline, served locally.

dbt generates it with the project's own settings (the warehouse the other commands use, its state
under DATA_DIR/dbt) and a small static server serves the folder: `dbt docs serve` would need the
same environment and picks its own port.
"""

from __future__ import annotations

from typing import Annotated

import typer

from spotify_mds.commands import _stage_settings, app, console


@app.command()
def docs(
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the site afterwards until Ctrl-C.")] = True,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on (0: any free port).")] = 8580,
) -> None:
    """Generate dbt's docs and lineage for every pipeline's models (the project's settings applied), then serve them."""
    from spotify_mds import transform
    from spotify_mds.console import chunks
    from spotify_mds.warehouse import warehouse_from

    settings = _stage_settings()
    warehouse = warehouse_from(settings)
    server = _bind(host, port) if serve else None  # a port in use is said before dbt runs
    with chunks(console, "dbt docs generate (nodes compiled)") as progress:
        site = transform.docs(env=warehouse.dbt_env, target=warehouse.name, state_dir=settings.data_dir / "dbt",
                              catalog=warehouse.exists(), progress=progress)  # fmt: skip
    console.print(f"dbt docs in {site} (static_index.html opens without a server)", highlight=False)
    if server is None:
        return
    _serve(server, site)


def _bind(host: str, port: int):
    """An HTTP server listening on host:port, or a one-line ComponentUnavailable (port in use)."""
    import errno
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from spotify_mds.errors import ComponentUnavailable, ConfigError

    try:  # the handler that knows the site's folder is set once dbt has written it (`_serve`)
        return ThreadingHTTPServer((host, port), SimpleHTTPRequestHandler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ComponentUnavailable(f"port {port} is in use on {host}: stop what holds it, or choose another (--port)") from exc
        raise ConfigError(f"cannot listen on {host}:{port} (--host, --port): {exc.strerror or exc}") from exc


def _serve(server, site) -> None:
    from functools import partial
    from http.server import SimpleHTTPRequestHandler

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            pass

    server.RequestHandlerClass = partial(Quiet, directory=str(site))
    host, port = server.server_address[:2]
    console.print(f"dbt docs on [bold]http://{host}:{port}[/] — Ctrl-C to stop")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
