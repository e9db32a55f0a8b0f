"""Encryption at rest of what a database dump must not reveal: protected people's identities and
two-factor secrets. Values are sealed with AES-GCM under the data key (`SAMAKI_DATA_KEY`, kept
outside the database), and looked up through keyed hashes (HMAC-SHA256) that only the key holder
can compute, so duplicate detection still finds an exact name or phone.

A sealed value reads `enc1:<key id>:<nonce+ciphertext, base64url>`, a keyed hash
`hmac1:<key id>:<digest, base64url>`. The key id lets older keys (`SAMAKI_DATA_KEYS_OLD`) open
what was sealed before a rotation (`flask --app wsgi contacts rotate-data-key` re-seals it all
under the current key). Without `SAMAKI_DATA_KEY` (development, tests) the key is derived from
the secret key, so nothing has to be set up; production refuses to start without one
(core.config.check_production_safety)."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import os
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, has_app_context
from sqlalchemy import String, Text
from sqlalchemy.types import TypeDecorator

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
SEALED = re.compile(r"^enc1:([0-9a-f]{8}):([A-Za-z0-9_-]+)$")
HASHED = re.compile(r"^hmac1:([0-9a-f]{8}):([A-Za-z0-9_-]{43})$")


class DataKeyError(RuntimeError):
    """The data key is missing or malformed, or a sealed value cannot be opened with the keys given."""


@dataclass(frozen=True)
class DataKey:
    id: str
    secret: bytes

    @cached_property
    def aead(self) -> AESGCM:
        return AESGCM(self.secret)

    @cached_property
    def hash_secret(self) -> bytes:
        # A separate key for the hashes, so a digest never reveals anything about the sealing key.
        return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                    info=b"samaki match keys").derive(self.secret)


@dataclass(frozen=True)
class Keyring:
    current: DataKey
    readable: dict[str, DataKey]        # key id -> key: the current one and every old one

    def key(self, key_id: str) -> DataKey:
        try:
            return self.readable[key_id]
        except KeyError:
            raise DataKeyError(
                f"A value was encrypted with data key {key_id}, which is not configured: set SAMAKI_DATA_KEY to "
                "the key in use (or list the previous key in SAMAKI_DATA_KEYS_OLD while rotating).") from None


def key_id(secret: bytes) -> str:
    return hashlib.sha256(b"samaki data key id:" + secret).hexdigest()[:8]


def decode_key(text: str, setting: str = "SAMAKI_DATA_KEY") -> bytes:
    """A key given in the settings: 32 random bytes in base64 (standard or URL-safe)."""
    cleaned = (text or "").strip()
    try:
        secret = base64.urlsafe_b64decode(cleaned.replace("+", "-").replace("/", "_") + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        secret = b""
    if len(secret) != KEY_BYTES:
        raise DataKeyError(f"{setting} must be {KEY_BYTES} random bytes in base64, e.g. the output of "
                           "`python -c \"import base64, os; print(base64.b64encode(os.urandom(32)).decode())\"`.")
    return secret


def new_key_text() -> str:
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def key_from_secret_key(secret_key: str) -> bytes:
    """The development key: derived from SECRET_KEY, so a laptop or a test needs no setting."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=b"samaki data key from SECRET_KEY").derive(secret_key.encode())


@lru_cache(maxsize=16)
def _keyring(data_key: str, old_keys: str, secret_key: str) -> Keyring:
    keys = []
    if data_key.strip():
        keys.append(decode_key(data_key))
    elif secret_key:
        keys.append(key_from_secret_key(secret_key))
    else:
        raise DataKeyError("No data key: set SAMAKI_DATA_KEY (32 random bytes in base64).")
    keys += [decode_key(text, "SAMAKI_DATA_KEYS_OLD") for text in re.split(r"[\s,]+", old_keys) if text]
    if data_key.strip() and secret_key:
        # What was sealed before SAMAKI_DATA_KEY was set stays readable until the rotation re-seals it.
        keys.append(key_from_secret_key(secret_key))
    ring = [DataKey(key_id(secret), secret) for secret in keys]
    return Keyring(current=ring[0], readable={key.id: key for key in reversed(ring)})


def keyring() -> Keyring:
    """The app's keys, from its settings (DATA_KEY, DATA_KEYS_OLD, SECRET_KEY)."""
    if not has_app_context():
        raise DataKeyError("Sealed values are read and written inside the app (the data key is in its settings).")
    config = current_app.config
    return _keyring(config.get("DATA_KEY") or "", config.get("DATA_KEYS_OLD") or "", config.get("SECRET_KEY") or "")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- sealing ---------------------------------------------------------------------------------------

def is_sealed(value) -> bool:
    return isinstance(value, str) and SEALED.match(value) is not None


def sealed_key_id(value: str) -> str | None:
    match = SEALED.match(value or "")
    return match.group(1) if match else None


def seal(text: str, key: DataKey | None = None) -> str:
    """`text` encrypted under the current key (a fresh nonce each time)."""
    key = key or keyring().current
    nonce = os.urandom(NONCE_BYTES)
    return f"enc1:{key.id}:{_b64(nonce + key.aead.encrypt(nonce, text.encode(), None))}"


def open_sealed(value: str) -> str:
    """The text of a sealed value; DataKeyError when its key is not configured or it was altered."""
    match = SEALED.match(value or "")
    if match is None:
        raise DataKeyError("Not a sealed value.")
    key = keyring().key(match.group(1))
    data = _unb64(match.group(2))
    try:
        return key.aead.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], None).decode()
    except (InvalidTag, ValueError):
        raise DataKeyError(f"A value sealed with data key {key.id} could not be decrypted: it was altered, or "
                           "SAMAKI_DATA_KEY is not the key it was sealed with.") from None


def sealed_length(length: int) -> int:
    """Characters a sealed value needs for a text of `length` characters (UTF-8: up to 4 bytes each)."""
    return len("enc1:00000000:") + math.ceil((NONCE_BYTES + 4 * length + TAG_BYTES) * 4 / 3)


# --- keyed hashes ------------------------------------------------------------------------------------

def is_keyed_hash(value) -> bool:
    return isinstance(value, str) and HASHED.match(value) is not None


def keyed_hash(value: str, scope: str = "", key: DataKey | None = None) -> str:
    """A digest of `value` that only the holder of the data key can compute (empty stays empty).
    `scope` (e.g. the tenant) makes the same value give different digests in different scopes, so
    a dump does not tell that one protected person is known to several organisations."""
    if not value:
        return ""
    key = key or keyring().current
    digest = hmac.digest(key.hash_secret, f"{scope}\x00{value}".encode(), "sha256")
    return f"hmac1:{key.id}:{_b64(digest)}"


def keyed_hashes(value: str, scope: str = "") -> list[str]:
    """The digests of `value` under every readable key (stored digests made before a rotation match too)."""
    if not value:
        return []
    return [keyed_hash(value, scope, key) for key in keyring().readable.values()]


# --- column types ----------------------------------------------------------------------------------

class SealOnWrite(str):
    """A text that is written sealed (a protected person's identity, marked at flush); it reads
    as the plain text it is."""

    __slots__ = ()


class _Sealing:
    """Reads: opens sealed values, returns the rest as stored. Writes: seals SealOnWrite texts
    (and, with `always`, every non-empty text)."""

    def process_bind_param(self, value, dialect):
        if not value:
            return value
        if isinstance(value, SealOnWrite) or (self.always and not is_sealed(value)):
            return seal(str(value))
        return value

    def process_result_value(self, value, dialect):
        if value and is_sealed(value):
            return open_sealed(value)
        return value


class SealedString(_Sealing, TypeDecorator):
    """A String column wide enough for its text sealed; `plain_length` is the text's own limit."""

    impl = String
    cache_ok = True

    def __init__(self, plain_length: int, always: bool = False):
        self.plain_length = plain_length
        self.always = always
        super().__init__(sealed_length(plain_length))


class SealedText(_Sealing, TypeDecorator):
    impl = Text
    cache_ok = True

    def __init__(self, always: bool = False):
        self.always = always
        super().__init__()


def reseal_column(session, column, chunk: int = 500) -> int:
    """Seal every value of an always-sealed column (e.g. two-factor secrets) under the current key:
    those an old key sealed and those still in clear. Returns the rows rewritten; the caller commits."""
    from sqlalchemy import bindparam, select, type_coerce, update
    table, current = column.table, keyring().current
    primary = list(table.primary_key.columns)[0]
    stored = type_coerce(column, String())
    statement = update(table).where(primary == bindparam("row_id")).values(
        {column.name: bindparam("new_value", type_=String())})
    rewritten, last_id = 0, None
    while True:
        query = select(primary, stored).where(column != "").order_by(primary).limit(chunk)
        rows = session.execute(query if last_id is None else query.where(primary > last_id)).all()
        if not rows:
            return rewritten
        changes = []
        for row_id, value in rows:
            last_id = row_id
            if sealed_key_id(value) != current.id:
                changes.append({"row_id": row_id,
                                "new_value": seal(open_sealed(value) if is_sealed(value) else value, current)})
        if changes:
            session.execute(statement, changes)
            rewritten += len(changes)
