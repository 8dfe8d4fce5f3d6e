"""Spotify's OAuth 2.0 authorization-code flow: the authorize URL, code exchange and token refresh.

The extract runs unattended, so it holds a long-lived *refresh token* and trades it for a one-hour
access token at the start of each run (and again whenever the API answers 401). A person obtains
the refresh token once, with `spotify-mds extract spotify-token`: open the authorize URL, approve,
paste the `code` Spotify appends to the redirect URI; the code is exchanged for the tokens.

Plain functions over plain arguments; nothing here reads settings, and no token is ever logged.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from spotify_mds.errors import ConfigError, SpotifyMdsError
from spotify_mds.extras import require

httpx = require("httpx")

logger = logging.getLogger(__name__)

ACCOUNTS_BASE_URL = "https://accounts.spotify.com"
SCOPES = ("user-read-recently-played", "user-top-read", "user-library-read")
"""What the ten streams and recently-played need: play history, top items, saved tracks."""


class SpotifyAuthError(SpotifyMdsError):
    """The accounts service refused a token request (bad client, revoked or mistyped token/code)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Credentials:
    """An app's client id and secret and a user's refresh token; secrets stay out of repr."""

    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Token:
    access_token: str = field(repr=False)
    expires_in: int
    refresh_token: str | None = field(default=None, repr=False)
    """Set when Spotify issued a new refresh token (a code exchange, or a rotation on refresh)."""
    scope: str = ""


def require_credentials(client_id: str, client_secret: str, refresh_token: str) -> Credentials:
    """The credentials, or a ConfigError that names every missing setting on one line."""
    missing = [
        name
        for name, value in (
            ("SPOTIFY_CLIENT_ID", client_id),
            ("SPOTIFY_CLIENT_SECRET", client_secret),
            ("SPOTIFY_REFRESH_TOKEN", refresh_token),
        )
        if not value
    ]
    if missing:
        hint = " (`spotify-mds extract spotify-token` obtains the refresh token)" if "SPOTIFY_REFRESH_TOKEN" in missing else ""
        raise ConfigError(
            f"the Spotify extract needs {', '.join(missing)} in the environment or .env{hint}; see docs/spotify_api.md"
        )
    return Credentials(client_id, client_secret, refresh_token)


def authorize_url(
    client_id: str,
    redirect_uri: str,
    *,
    scopes: tuple[str, ...] = SCOPES,
    state: str | None = None,
    accounts_base_url: str = ACCOUNTS_BASE_URL,
) -> str:
    """The page where the user approves the app; Spotify then redirects to `redirect_uri?code=...`."""
    params = {"client_id": client_id, "response_type": "code", "redirect_uri": redirect_uri, "scope": " ".join(scopes)}
    if state:
        params["state"] = state
    return f"{accounts_base_url.rstrip('/')}/authorize?{urlencode(params)}"


def code_from_input(text: str) -> str:
    """The authorization code from what the user pasted: the code itself or the whole redirect URL."""
    text = text.strip()
    if "code=" in text:
        query = urlsplit(text).query or text.split("?", 1)[-1]
        codes = parse_qs(query).get("code")
        if codes:
            return codes[0]
    if not text or "error=" in text:
        raise ConfigError(f"no authorization code in the pasted text ({text[:80]!r}); paste the URL Spotify redirected to")
    return text


def _basic(client_id: str, client_secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()


def request_token(
    http: httpx.Client,
    form: dict[str, str],
    *,
    client_id: str,
    client_secret: str,
    accounts_base_url: str = ACCOUNTS_BASE_URL,
) -> Token:
    """POST /api/token with the client's Basic credentials; a refusal raises SpotifyAuthError."""
    url = f"{accounts_base_url.rstrip('/')}/api/token"
    try:
        response = http.post(url, data=form, headers={"Authorization": _basic(client_id, client_secret)})
    except httpx.TransportError as exc:
        raise SpotifyAuthError(f"cannot reach the Spotify accounts service at {url}: {exc}") from exc
    if response.status_code != 200:
        try:
            body = response.json()
            reason = f"{body.get('error', '')}: {body.get('error_description', '')}".strip(": ")
        except ValueError:
            reason = response.text[:200]
        raise SpotifyAuthError(
            f"the Spotify accounts service refused the {form.get('grant_type')} request "
            f"({response.status_code} {reason}); check SPOTIFY_CLIENT_ID/SECRET and the refresh token",
            status=response.status_code,
        )
    body = response.json()
    logger.debug("token granted (%s), expires in %s s", form.get("grant_type"), body.get("expires_in"))
    return Token(
        access_token=body["access_token"],
        expires_in=int(body.get("expires_in", 3600)),
        refresh_token=body.get("refresh_token"),
        scope=body.get("scope", ""),
    )


def refresh_access_token(http: httpx.Client, credentials: Credentials, *, accounts_base_url: str = ACCOUNTS_BASE_URL) -> Token:
    """A fresh access token for the refresh token."""
    return request_token(
        http,
        {"grant_type": "refresh_token", "refresh_token": credentials.refresh_token},
        client_id=credentials.client_id,
        client_secret=credentials.client_secret,
        accounts_base_url=accounts_base_url,
    )


def exchange_code(
    code: str,
    *,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    accounts_base_url: str = ACCOUNTS_BASE_URL,
    transport: httpx.BaseTransport | None = None,
) -> Token:
    """Trade the authorization code (valid a few minutes, once) for an access and a refresh token."""
    with httpx.Client(transport=transport, timeout=30.0) as http:
        token = request_token(
            http,
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
            client_id=client_id,
            client_secret=client_secret,
            accounts_base_url=accounts_base_url,
        )
    if not token.refresh_token:
        raise SpotifyAuthError("the accounts service granted no refresh token for this code")
    return token
