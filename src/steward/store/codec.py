"""Record (de)serialisation with orjson.

Encoding is orjson's native dataclass support (fast: it runs on the request path before the record is queued).
Decoding rebuilds the nested dataclasses of `steward.types` from their type hints, so a field added to a type
later round-trips without touching this module. Decoding is tolerant in one direction only: keys a newer
version wrote and this one does not know are dropped, and missing keys take the field's default, so old
bodies stay readable after the record type grows. A `BodyCipher`, when the store has one, seals the JSON
before it is stored and opens it when read.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any, Protocol

import orjson

from steward.errors import StoreError
from steward.types import Record

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


class BodyCipher(Protocol):
    """Encryption at rest of record bodies (`steward.store.crypto` provides the Fernet one).

    `open` must hand back unchanged any body it did not seal (plain JSON, starting with `{`), so that turning
    encryption on needs no rewrite of old rows.
    """

    def seal(self, body: str) -> str: ...

    def open(self, stored: str) -> str: ...


def body_for_store(record: Record, cipher: BodyCipher | None = None) -> str:
    """What goes into the `records.body` column: the record's JSON, sealed when a cipher is set."""
    data = record_to_json(record)
    return cipher.seal(data.decode()) if cipher is not None else data.decode()


def record_from_store(stored: str, cipher: BodyCipher | None = None) -> Record:
    """The inverse of `body_for_store`."""
    return record_from_json(cipher.open(stored) if cipher is not None else stored)


def record_dict_from_store(stored: str, cipher: BodyCipher | None = None) -> dict[str, Any]:
    """The stored body as plain values (`record_to_dict`'s form), without building the `Record`: for readers
    that need a few fields of very many records (monitoring rollups)."""
    loaded: dict[str, Any] = orjson.loads(cipher.open(stored) if cipher is not None else stored)
    return loaded


def record_to_json(record: Record) -> bytes:
    """The record as compact JSON bytes."""
    try:
        return orjson.dumps(record, option=_OPTIONS)
    except TypeError as exc:
        raise StoreError(
            f"record {record.id} cannot be serialised ({exc}); params, input and explanation must hold only "
            "JSON values (str, numbers, bools, None, lists, dicts)."
        ) from None


def record_to_dict(record: Record) -> dict[str, Any]:
    """The record as plain JSON-compatible Python values (what `record_to_json` writes)."""
    return orjson.loads(record_to_json(record))


def record_from_json(data: bytes | str) -> Record:
    """Rebuild a `Record` (with its nested dataclasses) from `record_to_json` output."""
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise StoreError(f"a stored record body is not valid JSON ({exc}); the row is corrupt.") from None
    return record_from_dict(raw)


def record_from_dict(raw: dict[str, Any]) -> Record:
    record = _decode(Record, raw)
    assert isinstance(record, Record)
    return record


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _decode_dataclass(hint, value)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _decode(options[0], value) if len(options) == 1 else value
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        return [_decode(item, v) for v in value]
    if origin is tuple:
        args = typing.get_args(hint)
        item = args[0] if args else Any
        return tuple(_decode(item, v) for v in value)
    if origin is dict:
        args = typing.get_args(hint)
        item = args[1] if len(args) == 2 else Any
        return {k: _decode(item, v) for k, v in value.items()}
    if hint is float and isinstance(value, int):
        return float(value)
    return value


def _decode_dataclass(cls: type, value: Any) -> Any:
    if not isinstance(value, dict):
        raise StoreError(
            f"a stored record has {value!r} where a {cls.__name__} object belongs; the row is corrupt."
        )
    hints = _hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.init}
    kwargs = {name: _decode(hints[name], v) for name, v in value.items() if name in known}
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise StoreError(f"a stored {cls.__name__} is incomplete ({exc}); the row is corrupt.") from None
