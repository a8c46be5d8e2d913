"""The HTTP edge: request parsing, auth, the JSON envelope and the error -> status table."""
