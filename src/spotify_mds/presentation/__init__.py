"""Presentation: what shows the gold marts to people (the built-in dashboard, the report's charts,
Metabase dashboards as code). Reads the lake's gold export; may import the core and the pipelines."""
