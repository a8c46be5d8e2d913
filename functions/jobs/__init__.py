"""jobs entry points (see functions/manifest.py)."""
