"""api entry points (see functions/manifest.py)."""
