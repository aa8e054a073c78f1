"""Encryption at rest of record bodies, with the keys the process was given (Fernet: AES-128-CBC + HMAC-SHA256).

`STEWARD_RECORD_KEY` holds one or more Fernet keys separated by commas: the first encrypts, every one
decrypts, so a key is rotated by putting the new one first and running `steward privacy encrypt` (which
re-seals every body under it) before removing the old one. A sealed body is `enc:v1:<token>`; a body
without the prefix is plaintext written before encryption was turned on and is read as it is, so turning
encryption on needs no migration. Only the body is sealed: the columns that listings filter on (app, team,
status, subject id, tokens) stay in clear, which is what lets the store query without the key.

The keys are read once, at the process edge (`Settings.secrets`, from `STEWARD_RECORD_KEY`), and handed to
`Store.open`, which builds the cipher (`cipher(keys)`) and keeps it as `store.cipher`: every process that opens
the store — server, CLI, benchmarks — seals and opens bodies the same way; `steward privacy encrypt` (a process
started with the rotated variable) re-seals through it.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from steward.config.settings import RECORD_KEY_ENV
from steward.errors import ConfigError, StoreError
from steward.store import codec

KEY_ENV = RECORD_KEY_ENV
PREFIX = "enc:v1:"


def generate_key() -> str:
    """A new random key to export as STEWARD_RECORD_KEY."""
    return Fernet.generate_key().decode()


class BodyCipher:
    """Seals and opens record bodies with the configured keys."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ConfigError(f"{KEY_ENV} is empty; generate a key with `steward privacy keygen`.")
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        except (ValueError, TypeError):
            raise ConfigError(
                f"{KEY_ENV} must hold Fernet keys (32 url-safe base64 bytes) separated by commas; generate one "
                "with `steward privacy keygen`."
            ) from None

    def seal(self, body: str) -> str:
        return PREFIX + self._fernet.encrypt(body.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise StoreError(
                f"a record body cannot be decrypted with the keys in {KEY_ENV}; after a rotation, list the old "
                "key after the new one until `steward privacy encrypt` has re-sealed every body."
            ) from None

    def reseal(self, stored: str) -> str:
        """The body sealed under the first (newest) key, whatever it was sealed with before."""
        if stored.startswith(PREFIX):
            return PREFIX + self._fernet.rotate(stored[len(PREFIX) :].encode()).decode()
        return self.seal(stored)


@lru_cache(maxsize=4)
def _cipher_for(value: str) -> BodyCipher:
    return BodyCipher([k.strip() for k in value.split(",") if k.strip()])


def cipher(keys: str | None) -> BodyCipher | None:
    """The cipher for `keys` (comma-separated, newest first: `Secrets.record_keys`); None: encryption is off."""
    value = (keys or "").strip()
    return _cipher_for(value) if value else None


def seal_body(body: str, active: codec.BodyCipher | None) -> str:
    """What the store writes: the body sealed by `active` (the store's cipher), else the body itself."""
    return active.seal(body) if active is not None else body


def open_body(stored: str, active: codec.BodyCipher | None) -> str:
    """What the store decodes: plaintext bodies pass through; sealed ones need a cipher (the store's)."""
    if not stored.startswith(PREFIX):
        return stored
    if active is None:
        raise StoreError(f"record bodies are encrypted at rest; set {KEY_ENV} to the key they were sealed with.")
    return active.open(stored)
