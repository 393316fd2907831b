"""The web UI: static ES modules and vendored assets served by the service (see routes.py)."""
