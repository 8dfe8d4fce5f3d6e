"""The built-in web dashboard over the gold export: `create_app(lake)` and `serve(lake, host, port)`."""

from spotify_mds.presentation.dashboard.app import create_app, serve

__all__ = ["create_app", "serve"]
