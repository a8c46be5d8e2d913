"""events entry points (see functions/manifest.py)."""
