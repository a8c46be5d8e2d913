"""Lists come in pages: how many items a page may hold.

Every list takes `limit` (1 to MAX_LIMIT, DEFAULT_LIMIT when absent) and resumes at an opaque
cursor (shared/store/pages.py), so no request reads more than one page of a collection.
"""
from __future__ import annotations

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
