"""Everything Firestore: the client, transactions with retry, documents <-> domain values."""
