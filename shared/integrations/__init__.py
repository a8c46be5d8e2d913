"""Adapters to the world outside Firestore: Cloud Tasks (tasks.py), Stripe, the clock, ids.

Each adapter imports its client library inside the functions that use it, so a function that
never enqueues a task or charges a card never pays for importing those libraries at cold start.
"""
