"""The extract commands: `extract spotify` and `extract spotify-token` (the Spotify API pipeline).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Optional

import typer

from spotify_mds.commands import _settings, _stage_settings, app, console  # noqa: F401 - the shared edge

extract_app = typer.Typer(help="Extract second sources into bronze: the Spotify Web API.", no_args_is_help=True)
app.add_typer(extract_app, name="extract")


def _spotify():
    """The Spotify extract's edge modules (without the `spotify` extra: ComponentUnavailable, via require())."""
    from spotify_mds.pipelines.spotify_api import auth, run

    return auth, run


@extract_app.command("spotify")
def extract_spotify(
    day: Annotated[Optional[datetime], typer.Option("--date", formats=["%Y-%m-%d"], help="Snapshot date (UTC; default today).")] = None,
    stream: Annotated[Optional[list[str]], typer.Option("--stream", help="Only this stream (repeatable); default all.")] = None,
    load_raw: Annotated[bool, typer.Option("--load/--no-load", help="Load the bronze files into RAW afterwards.")] = True,
    build: Annotated[bool, typer.Option("--transform/--no-transform", help="Then build the Spotify dbt models.")] = False,
) -> None:
    """Extract the user's Spotify data (SPOTIFY_* settings) into bronze, then load it into RAW."""
    from datetime import timezone

    from rich.markup import escape

    _, spotify = _spotify()
    from spotify_mds.pipelines.spotify_api.spotify import SpotifyApiError

    settings = _settings()
    snapshot_date = (day or datetime.now(timezone.utc)).date()
    report = spotify.extract_to_lake(settings, snapshot_date, stream)
    for result in report.results:
        style = {"ok": "green", "not_served": "yellow", "failed": "red"}[result.status]
        note = f" — {result.message}" if result.message else ""
        console.print(f"[{style}]{result.status:>10}[/] {result.stream}: {result.records:,} records{escape(note)}", highlight=False, soft_wrap=True)
    if report.not_served:
        console.print(f"{len(report.not_served)} endpoint(s) no longer served to this app; the run goes on without them")
    if load_raw:
        stats = spotify.load_to_raw(settings)
        console.print(f"loaded {stats.rows_loaded:,} rows from {stats.files_loaded:,} Spotify files into RAW")
        for key, error in stats.failures:  # the others loaded; these are tried again next load
            console.print(f"not loaded (tried again next load): {key}: {error}", markup=False, style="red", soft_wrap=True)
        if build:
            spotify.transform(settings)
            console.print("dbt build of the Spotify models: ok")
    if report.failed:
        raise SpotifyApiError(f"{len(report.failed)} stream(s) failed: " + "; ".join(f"{r.stream} ({r.message})" for r in report.failed))


@extract_app.command("spotify-token")
def extract_spotify_token(
    code: Annotated[Optional[str], typer.Option(help="The code (or the whole redirect URL); asked for when omitted.")] = None,
) -> None:
    """Obtain SPOTIFY_REFRESH_TOKEN once: open the printed URL, approve, paste the redirect URL."""
    from spotify_mds.errors import ConfigError

    auth, _ = _spotify()
    settings = _settings()
    secret = settings.spotify_client_secret.get_secret_value()
    missing = [name for name, value in (("SPOTIFY_CLIENT_ID", settings.spotify_client_id), ("SPOTIFY_CLIENT_SECRET", secret)) if not value]
    if missing:
        raise ConfigError(f"obtaining a refresh token needs {', '.join(missing)} (from your app at developer.spotify.com)")
    url = auth.authorize_url(settings.spotify_client_id, settings.spotify_redirect_uri, accounts_base_url=settings.spotify_accounts_base_url)
    console.print(f"Open this URL, approve the app, then paste the URL you are redirected to:\n{url}", highlight=False, soft_wrap=True)
    pasted = code if code is not None else typer.prompt("redirect URL or code", err=True)
    token = auth.exchange_code(
        auth.code_from_input(pasted),
        client_id=settings.spotify_client_id,
        client_secret=secret,
        redirect_uri=settings.spotify_redirect_uri,
        accounts_base_url=settings.spotify_accounts_base_url,
    )
    console.print(f"granted scopes: {token.scope or '(none listed)'}; add this line to .env:", highlight=False)
    typer.echo(f"SPOTIFY_REFRESH_TOKEN={token.refresh_token}")
