"""Use cases: read through the store, decide with the domain, write what it returns."""
