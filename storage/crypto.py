"""Field encryption (AES-256-GCM with key ids) and blind indexes for lookups."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = 1
KEY_ID_LEN = 8
NONCE_LEN = 12
HEADER_LEN = 1 + KEY_ID_LEN
_INDEX_INFO = b"daybreak/blind-index/v1"
_AUDIT_CHAIN_INFO = b"daybreak/audit-chain/v1"


class CryptoError(Exception):
    """A ciphertext cannot be decrypted: unknown key, bad format, or tampering."""


def generate_key() -> str:
    """Return a new random 32-byte key as url-safe base64."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def decode_key(key: str) -> bytes:
    """Decode a url-safe base64 key and check it is 32 bytes."""
    text = key.strip()
    # Accept keys with or without '=' padding, as the config loader does.
    text += "=" * (-len(text) % 4)
    try:
        raw = base64.urlsafe_b64decode(text.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise ValueError("a data key must be url-safe base64") from exc
    if len(raw) != 32:
        raise ValueError(f"a data key must be 32 bytes, got {len(raw)}")
    return raw


def key_id(raw_key: bytes) -> bytes:
    """Return the 8-byte id that names a key inside ciphertexts."""
    # A hash prefix names the key without revealing it, and needs no registry of ids.
    return hashlib.sha256(b"daybreak/key-id/" + raw_key).digest()[:KEY_ID_LEN]


def load_or_create_key_file(path: str | Path) -> tuple[str, bool]:
    """Read the key in `path`, or create it owner-only; return (key, created)."""
    target = Path(path)
    if target.exists():
        key = target.read_text(encoding="ascii").strip()
        decode_key(key)
        return key, False
    target.parent.mkdir(parents=True, exist_ok=True)
    key = generate_key()
    # O_EXCL + 0600 at creation: the key is never world-readable, not even for an instant,
    # and two processes starting together cannot overwrite each other's key.
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_or_create_key_file(target)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key, True


class FieldCipher:
    """Encrypts column values under the active key and decrypts under any known key."""

    def __init__(
        self, active_key: str, old_keys: Iterable[str] = (), *, index_key: str | None = None
    ) -> None:
        """Build from the active key, retired keys and the (stable) blind-index key."""
        raw_active = decode_key(active_key)
        self.active_key_id = key_id(raw_active)
        self._aead: dict[bytes, AESGCM] = {self.active_key_id: AESGCM(raw_active)}
        for old in old_keys:
            raw = decode_key(old)
            self._aead.setdefault(key_id(raw), AESGCM(raw))
        # The index key must outlive key rotation, otherwise lookups of existing rows break:
        # callers pass the set-up key as index_key; without it the active key is used.
        index_source = decode_key(index_key) if index_key is not None else raw_active
        self._index_key = _derive(index_source, _INDEX_INFO)
        # The audit chain is sealed with the same stable source, so rotation never breaks it.
        self._chain_key = _derive(index_source, _AUDIT_CHAIN_INFO)

    def encrypt(self, plaintext: bytes | str, purpose: str) -> bytes:
        """Encrypt bytes or text for one column purpose, e.g. 'answers.value'."""
        data = plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext
        header = bytes([VERSION]) + self.active_key_id
        nonce = secrets.token_bytes(NONCE_LEN)
        sealed = self._aead[self.active_key_id].encrypt(nonce, data, _aad(header, purpose))
        return header + nonce + sealed

    def decrypt(self, token: bytes, purpose: str) -> bytes:
        """Decrypt a ciphertext made for `purpose`; raise CryptoError if it was altered."""
        if len(token) < HEADER_LEN + NONCE_LEN + 16 or token[0] != VERSION:
            raise CryptoError("not a Daybreak ciphertext (bad length or version)")
        header, kid = token[:HEADER_LEN], token[1:HEADER_LEN]
        aead = self._aead.get(kid)
        if aead is None:
            raise CryptoError(f"ciphertext uses unknown key id {kid.hex()}")
        nonce = token[HEADER_LEN : HEADER_LEN + NONCE_LEN]
        try:
            return aead.decrypt(nonce, token[HEADER_LEN + NONCE_LEN :], _aad(header, purpose))
        except InvalidTag as exc:
            raise CryptoError(f"ciphertext for {purpose} failed authentication") from exc

    def encrypt_text(self, text: str, purpose: str) -> bytes:
        """Encrypt a string."""
        return self.encrypt(text, purpose)

    def decrypt_text(self, token: bytes, purpose: str) -> str:
        """Decrypt to a string."""
        return self.decrypt(token, purpose).decode("utf-8")

    def encrypt_json(self, value: Any, purpose: str) -> bytes:
        """Encrypt any JSON-serialisable value."""
        return self.encrypt(json.dumps(value, separators=(",", ":"), ensure_ascii=False), purpose)

    def decrypt_json(self, token: bytes, purpose: str) -> Any:
        """Decrypt a value made by encrypt_json."""
        return json.loads(self.decrypt(token, purpose))

    def is_current(self, token: bytes) -> bool:
        """Tell whether a ciphertext is under the active key."""
        return bytes(token[1:HEADER_LEN]) == self.active_key_id

    def reencrypt(self, token: bytes, purpose: str) -> bytes:
        """Return the ciphertext under the active key (unchanged if already there)."""
        if self.is_current(token):
            return token
        return self.encrypt(self.decrypt(token, purpose), purpose)

    def blind_index(self, value: str, purpose: str) -> str:
        """Return a keyed hash of `value` for equality lookups without storing it."""
        message = purpose.encode("utf-8") + b"\x00" + value.encode("utf-8")
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()

    def chain_seal(self, previous: str, content: bytes) -> str:
        """Return the keyed hash that links one audit row to the row before it."""
        message = previous.encode("ascii") + b"\x00" + content
        return hmac.new(self._chain_key, message, hashlib.sha256).hexdigest()


def _derive(source: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(source)


def _aad(header: bytes, purpose: str) -> bytes:
    # Binding the header and the column purpose stops swapping ciphertexts between columns
    # and stops a forged key id from being accepted.
    return header + b"|" + purpose.encode("utf-8")
