"""Mintbook's shared package: the pure domain, the Firestore store, the services and the web edge."""
