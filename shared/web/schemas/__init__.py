"""Pydantic request and response models: the edge's contract, and the source of the OpenAPI."""
