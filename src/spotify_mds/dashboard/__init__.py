"""The built-in web dashboard over the gold export (placeholder until the dashboard lands)."""
