"""Field encryption (AES-256-GCM) with a key ring, and keyed blind indexes.

Keys come from ``HEED_FIELD_KEYS`` (settings.FIELD_KEYS_RAW): ``"id:base64key,id:base64key"``,
**newest last**; the newest key encrypts, every listed key decrypts (so keys can rotate:
add a new key at the end, run ``manage.py rotate_field_keys``, then drop the old one).
An entry whose id is ``bi`` is the blind-index key; without one, the index key is derived
(HKDF) from the *first* listed key, which therefore must stay listed.

With no ``HEED_FIELD_KEYS`` and DEBUG on, a key file is generated at settings.FIELD_KEYS_FILE
on first use (the embedded default); with DEBUG off, missing keys refuse to start.

A ciphertext token is ``"<key id>$<base64url(nonce ‖ ciphertext ‖ tag)>"``. The field's purpose
(e.g. ``"contact.value"``) is the associated data, so a token cannot be moved to another field.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

INDEX_KEY_ID = "bi"
_lock = threading.Lock()


class DecryptionError(ValueError):
    """A token that no key in the ring can open (wrong key, tampered, or not a token)."""


@dataclass(frozen=True)
class KeyRing:
    keys: dict[str, bytes]  # id → 32-byte key, in order (newest last)
    current_id: str
    index_key: bytes

    def aead(self, key_id: str) -> AESGCM:
        return _aead_cache(self, key_id)


_AEADS: dict[tuple[int, str], AESGCM] = {}


def _aead_cache(ring: KeyRing, key_id: str) -> AESGCM:
    cache_key = (id(ring), key_id)
    found = _AEADS.get(cache_key)
    if found is None:
        try:
            found = AESGCM(ring.keys[key_id])
        except KeyError:
            raise DecryptionError(f"unknown field key id {key_id!r}")
        _AEADS[cache_key] = found
    return found


def _b64decode(text: str) -> bytes:
    text = text.strip()
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))


def parse_keys(raw: str) -> KeyRing:
    """Parse ``"id:base64key,…"`` (newest last) into a ring; refuses malformed keys loudly."""
    keys: dict[str, bytes] = {}
    index_key: bytes | None = None
    for part in (p.strip() for p in raw.replace("\n", ",").split(",")):
        if not part:
            continue
        key_id, sep, encoded = part.partition(":")
        key_id = key_id.strip()
        if not sep or not key_id or "$" in key_id:
            raise ImproperlyConfigured("HEED_FIELD_KEYS entries must look like id:base64key")
        try:
            key = _b64decode(encoded)
        except ValueError:
            raise ImproperlyConfigured(f"HEED_FIELD_KEYS key {key_id!r} is not base64")
        if len(key) != 32:
            raise ImproperlyConfigured(f"HEED_FIELD_KEYS key {key_id!r} must be 32 bytes")
        if key_id == INDEX_KEY_ID:
            index_key = key
        elif key_id in keys:
            raise ImproperlyConfigured(f"HEED_FIELD_KEYS lists key {key_id!r} twice")
        else:
            keys[key_id] = key
    if not keys:
        raise ImproperlyConfigured("HEED_FIELD_KEYS holds no encryption key")
    if index_key is None:
        first = next(iter(keys.values()))
        index_key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"heed blind index"
        ).derive(first)
    return KeyRing(keys=keys, current_id=list(keys)[-1], index_key=index_key)


def generate_key_line(key_id: str) -> str:
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}"


def _load_raw() -> str:
    raw = str(getattr(settings, "FIELD_KEYS_RAW", "") or "")
    if raw.strip():
        return raw
    path = Path(settings.FIELD_KEYS_FILE)
    if path.exists():
        return path.read_text()
    if not settings.DEBUG:
        raise ImproperlyConfigured("HEED_FIELD_KEYS is required when HEED_DEBUG=0")
    path.parent.mkdir(parents=True, exist_ok=True)
    content = f"{generate_key_line(INDEX_KEY_ID)},{generate_key_line('k1')}\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    return content


_ring: KeyRing | None = None


def keyring() -> KeyRing:
    global _ring
    if _ring is None:
        with _lock:
            if _ring is None:
                _ring = parse_keys(_load_raw())
    return _ring


def reset_keyring() -> None:
    """Forget the cached ring (after settings change, e.g. in tests or key rotation)."""
    global _ring
    with _lock:
        _ring = None
        _AEADS.clear()


def encrypt(plaintext: str, purpose: str) -> str:
    """Encrypt under the newest key. Empty text stays empty (nothing to protect)."""
    if plaintext == "":
        return ""
    ring = keyring()
    nonce = os.urandom(12)
    sealed = ring.aead(ring.current_id).encrypt(nonce, plaintext.encode(), purpose.encode())
    return f"{ring.current_id}${base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"


def decrypt(token: str, purpose: str) -> str:
    if token == "":
        return ""
    key_id, sep, body = token.partition("$")
    if not sep:
        raise DecryptionError("not a ciphertext token")
    ring = keyring()
    try:
        data = _b64decode(body)
    except ValueError:
        raise DecryptionError("malformed ciphertext token")
    try:
        plain = ring.aead(key_id).decrypt(data[:12], data[12:], purpose.encode())
    except InvalidTag:
        raise DecryptionError("ciphertext does not authenticate")
    return plain.decode()


def key_id_of(token: str) -> str:
    return token.partition("$")[0] if "$" in token else ""


def needs_rotation(token: str) -> bool:
    return bool(token) and key_id_of(token) != keyring().current_id


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _b64url(data: bytes) -> str:
    """base64url without padding (what ``urlsafe_b64encode(...).rstrip("=")`` gives)."""
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=").decode()


def _index_text(key: bytes, normalised: str, purpose: str) -> str:
    # 128 bits of HMAC-SHA256, base64url (22 characters): short index keys keep the
    # blind-index B-trees small, which is what bounds large imports.
    digest = hmac.digest(key, f"{purpose}\x00{normalised}".encode(), "sha256")
    return _b64url(digest[:16])


def blind_index(normalised: str, purpose: str) -> str:
    """A keyed HMAC of an already-normalised value: equal inputs match, nothing else leaks."""
    if normalised == "":
        return ""
    return _index_text(keyring().index_key, normalised, purpose)


# Bumped in every forked child, so ciphers created before a fork draw new nonces after it.
_process_generation = 0


def _after_fork_in_child() -> None:
    global _process_generation
    _process_generation += 1


os.register_at_fork(after_in_child=_after_fork_in_child)


class FieldCipher:
    """Encrypt + index many values fast (one AESGCM object and one HMAC key, reused)."""

    def __init__(self) -> None:
        ring = keyring()
        self.key_id = ring.current_id
        self._aead = ring.aead(ring.current_id)
        self._index_key = ring.index_key
        self._prefix = f"{self.key_id}$"
        self._nonces = b""
        self._nonce_at = 0
        self._nonce_generation = 0

    def _nonce(self) -> bytes:
        """A fresh random 96-bit nonce, read from the OS in batches (one system call per 4,096
        values). The batch belongs to one process: a forked child draws its own."""
        if self._nonce_at >= len(self._nonces) or self._nonce_generation != _process_generation:
            self._nonces = os.urandom(12 * 4096)
            self._nonce_at = 0
            self._nonce_generation = _process_generation
        start = self._nonce_at
        self._nonce_at = start + 12
        return self._nonces[start : start + 12]

    def encrypt(self, plaintext: str, purpose: bytes) -> str:
        if not plaintext:
            return ""
        nonce = self._nonce()
        sealed = self._aead.encrypt(nonce, plaintext.encode(), purpose)
        return self._prefix + _b64url(nonce + sealed)

    def index(self, normalised: str, purpose: str) -> str:
        if not normalised:
            return ""
        return _index_text(self._index_key, normalised, purpose)
