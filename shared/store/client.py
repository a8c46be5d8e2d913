"""The one Firestore client of a process, created lazily on first use and reused.

Against the emulator (FIRESTORE_EMULATOR_HOST set) the client needs no credentials and its calls
bypass security rules, like the Admin SDK in production.
"""
from __future__ import annotations

from functools import lru_cache

from google.cloud import firestore

from shared.config import settings


@lru_cache(maxsize=1)
def db() -> firestore.Client:
    return firestore.Client(project=settings().project)


def collection(name: str) -> firestore.CollectionReference:
    return db().collection(name)


def doc(path: str) -> firestore.DocumentReference:
    return db().document(path)
