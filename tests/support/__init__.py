"""Helpers shared by the test suites: the local stack, an API client, Firestore over REST."""
