"""The hand-coded reads and writes equal the client library's, on generated documents."""
from __future__ import annotations

import datetime

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore
from google.cloud.firestore_v1 import _helpers
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.store import wire

REF = firestore.Client(project="wire-test", credentials=AnonymousCredentials()).document("c/d")

keys = st.one_of(st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True),
                 st.text(min_size=1, max_size=6))  # odd names need quoted field paths
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-2**63, 2**63 - 1), st.text(max_size=20),
    st.floats(allow_nan=False), st.binary(max_size=8),
    st.datetimes(timezones=st.just(datetime.timezone.utc)))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)), max_leaves=12)
top_level = st.one_of(values, st.just(firestore.SERVER_TIMESTAMP),
                      st.integers(-1000, 1000).map(firestore.Increment))
flat_level = st.one_of(scalars, st.lists(scalars, max_size=3), st.just(firestore.SERVER_TIMESTAMP),
                       st.integers(-1000, 1000).map(firestore.Increment))


def canonical(pb) -> bytes:
    """Mask order carries no meaning; the library's follows its own path sets."""
    copy = type(pb)()
    copy.CopyFrom(pb)
    paths = sorted(copy.update_mask.field_paths)
    del copy.update_mask.field_paths[:]
    copy.update_mask.field_paths.extend(paths)
    return copy.SerializeToString(deterministic=True)


def encoded(data: dict, **mode) -> bytes:
    return canonical(wire._encode(REF, data, **mode))


def library(data: dict, mode: str):
    path = REF._document_path
    if mode == "create":
        [pb] = _helpers.pbs_for_create(path, data)
    elif mode == "set":
        [pb] = _helpers.pbs_for_set_no_merge(path, data)
    elif mode == "update":
        [pb] = _helpers.pbs_for_update(path, data, None)
    else:
        [pb] = _helpers.pbs_for_set_with_merge(path, data, merge=True)
    return pb._pb


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, top_level, min_size=1, max_size=8))
def test_create_and_set_encode_like_the_library(data):
    assert encoded(data, merge=False, exists=False) == canonical(library(data, "create"))
    assert encoded(data, merge=False, exists=None) == canonical(library(data, "set"))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, flat_level, min_size=1, max_size=8))
def test_merge_encodes_like_the_library(data):
    assert encoded(data, merge=True, exists=None) == canonical(library(data, "merge"))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True), flat_level,
                       min_size=1, max_size=8))
def test_update_encodes_like_the_library(data):
    assert encoded(data, merge=True, exists=True) == canonical(library(data, "update"))


def test_a_merge_refuses_nested_maps_and_unknown_types_are_refused():
    with pytest.raises(TypeError):
        wire._encode(REF, {"a": {"b": 1}}, merge=True, exists=None)
    with pytest.raises(TypeError):
        wire._encode(REF, {"a": object()}, merge=False, exists=None)


def test_a_domain_record_is_refused_not_written_as_an_array():
    # given a domain record (a NamedTuple, so a tuple), where a plain tuple is an array
    from shared.domain.ledger import Transfer, TransferType

    record = Transfer(id="t", debit_account_id="a", credit_account_id="b", asset="CHIP", amount=1,
                      type=TransferType.TRANSFER)
    assert wire._encode(REF, {"a": (1, 2)}, merge=False, exists=None).update.fields["a"].array_value
    # when it is written as a value, then the write is refused before any commit
    with pytest.raises(TypeError):
        wire._encode(REF, {"a": record}, merge=False, exists=None)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, values, max_size=8))
def test_a_read_document_decodes_like_the_library(data):
    fields = _helpers.encode_dict(data)
    client = REF._client
    ours = wire._decode_map({k: v._pb for k, v in fields.items()}, client)
    theirs = _helpers.decode_dict(fields, client)
    assert ours == theirs
    assert {k: type(v) for k, v in ours.items()} == {k: type(v) for k, v in theirs.items()}
