"""Firestore documents over the emulator's REST API, as any client would reach them.

Every call takes a `bearer`: OWNER ("owner") bypasses security rules (setup and inspection), a
token from `token(uid)` is a signed-in user whom the rules judge, None is anonymous. Raw calls
return the `requests.Response`; `read`, `write` and `query_docs` decode and raise on errors.
Values convert both ways: int <-> integerValue (ints never become floats), datetime <->
timestampValue, bytes, lists, maps, None. Paths are quoted segment by segment, because document
ids such as "alice:CHIP" would otherwise read as REST custom methods.
"""
from __future__ import annotations

import base64
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests

from dev.tokens import unsigned_id_token

OWNER = "owner"
TIMEOUT_S = 10


def encode(value: Any) -> dict:
    if value is None:
        return {"nullValue": None}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"integerValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, datetime):
        return {"timestampValue": value.isoformat().replace("+00:00", "Z")}
    if isinstance(value, bytes):
        return {"bytesValue": base64.b64encode(value).decode()}
    if isinstance(value, (list, tuple)):
        return {"arrayValue": {"values": [encode(v) for v in value]}}
    if isinstance(value, dict):
        return {"mapValue": {"fields": encode_fields(value)}}
    raise TypeError(f"cannot store a {type(value).__name__} in Firestore")


def encode_fields(data: dict) -> dict:
    return {key: encode(value) for key, value in data.items()}


def decode(value: dict) -> Any:
    (kind, raw), = value.items()
    if kind == "integerValue":
        return int(raw)
    if kind == "timestampValue":
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if kind == "arrayValue":
        return [decode(v) for v in raw.get("values", [])]
    if kind == "mapValue":
        return decode_fields(raw.get("fields", {}))
    if kind == "bytesValue":
        return base64.b64decode(raw)
    return raw  # stringValue, booleanValue, doubleValue, nullValue, referenceValue, geoPoint


def decode_fields(fields: dict) -> dict:
    return {key: decode(value) for key, value in fields.items()}


class FirestoreRest:
    def __init__(self, url: str, project: str) -> None:
        self.url = url.rstrip("/")
        self.project = project
        self.root = f"projects/{project}/databases/(default)/documents"
        self.http = requests.Session()

    def token(self, uid: str, **claims: Any) -> str:
        """A bearer for `uid`: the rules see request.auth.uid == uid."""
        return unsigned_id_token(uid, self.project, **claims)

    def doc_url(self, path: str) -> str:
        quoted = "/".join(quote(segment, safe="") for segment in path.split("/"))
        return f"{self.url}/v1/{self.root}/{quoted}"

    @staticmethod
    def _headers(bearer: str | None) -> dict:
        return {"Authorization": f"Bearer {bearer}"} if bearer else {}

    # -- raw calls ---------------------------------------------------------------------------

    def get(self, path: str, bearer: str | None = OWNER) -> requests.Response:
        return self.http.get(self.doc_url(path), headers=self._headers(bearer),
                             timeout=TIMEOUT_S)

    def set(self, path: str, data: dict, bearer: str | None = OWNER) -> requests.Response:
        """Create or replace the whole document."""
        return self.http.patch(self.doc_url(path), headers=self._headers(bearer),
                               json={"fields": encode_fields(data)}, timeout=TIMEOUT_S)

    def update(self, path: str, changes: dict, bearer: str | None = OWNER) -> requests.Response:
        """Change only the fields in `changes` of an existing document (an update mask)."""
        params = [("currentDocument.exists", "true")]
        params += [("updateMask.fieldPaths", name) for name in changes]
        return self.http.patch(self.doc_url(path), headers=self._headers(bearer), params=params,
                               json={"fields": encode_fields(changes)}, timeout=TIMEOUT_S)

    def delete(self, path: str, bearer: str | None = OWNER) -> requests.Response:
        return self.http.delete(self.doc_url(path), headers=self._headers(bearer),
                                timeout=TIMEOUT_S)

    def query(self, collection: str, filters: dict | None = None, bearer: str | None = OWNER,
              limit: int | None = None) -> requests.Response:
        """runQuery on `collection` with equality filters {field: value} (ANDed)."""
        query: dict = {"from": [{"collectionId": collection}]}
        conditions = [{"fieldFilter": {"field": {"fieldPath": name}, "op": "EQUAL",
                                       "value": encode(value)}}
                      for name, value in (filters or {}).items()]
        if len(conditions) == 1:
            query["where"] = conditions[0]
        elif conditions:
            query["where"] = {"compositeFilter": {"op": "AND", "filters": conditions}}
        if limit is not None:
            query["limit"] = limit
        return self.http.post(f"{self.url}/v1/{self.root}:runQuery",
                              headers=self._headers(bearer), json={"structuredQuery": query},
                              timeout=TIMEOUT_S)

    # -- decoded ---------------------------------------------------------------------------

    def read(self, path: str, bearer: str | None = OWNER) -> dict | None:
        """The document's fields, or None when it does not exist."""
        response = self.get(path, bearer)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return decode_fields(response.json().get("fields", {}))

    def write(self, path: str, data: dict, bearer: str | None = OWNER) -> None:
        self.set(path, data, bearer).raise_for_status()

    def write_many(self, docs: dict[str, dict]) -> None:
        """Write several documents in one atomic commit, bypassing the rules."""
        writes: list[dict[str, Any]] = [
            {"update": {"name": f"{self.root}/{path}", "fields": encode_fields(data)}}
            for path, data in docs.items()]
        response = self.http.post(f"{self.url}/v1/{self.root}:commit",
                                  headers=self._headers(OWNER), json={"writes": writes},
                                  timeout=TIMEOUT_S)
        response.raise_for_status()

    def query_docs(self, collection: str, filters: dict | None = None,
                   bearer: str | None = OWNER) -> dict[str, dict]:
        """{document path relative to the database root: fields} of a query's results."""
        response = self.query(collection, filters, bearer)
        response.raise_for_status()
        prefix = f"{self.root}/"
        return {row["document"]["name"].removeprefix(prefix):
                decode_fields(row["document"].get("fields", {}))
                for row in response.json() if "document" in row}

    def close(self) -> None:
        self.http.close()
