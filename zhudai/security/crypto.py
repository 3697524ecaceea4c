"""AES-GCM encryption of personal data and HMAC-SHA256 blind indexes.

Tokens look like `v1$<key id>$<base64(nonce + ciphertext)>`. Keys come from settings, newest
first: new values use the newest key, every listed key can still decrypt, and
`zhudai rotate-keys` re-encrypts old values so that retired keys can be dropped.
"""

import base64
import binascii
import hashlib
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.core.exceptions import ImproperlyConfigured

PREFIX = "v1"
BLOB_MAGIC = b"ZDE1"


class DecryptionError(Exception):
    """A value cannot be decrypted: its key is no longer configured or it was tampered with."""


def _decode_key(text):
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured("ZHUDAI_FIELD_KEYS holds a value that is not base64.") from None
    if len(key) != 32:
        raise ImproperlyConfigured("Each ZHUDAI_FIELD_KEYS key must be 32 bytes (base64 of 32 random bytes).")
    return key


def key_id(key):
    return hashlib.sha256(key).hexdigest()[:8]


class Cipher:
    def __init__(self, encoded_keys, index_key):
        if not encoded_keys:
            raise ImproperlyConfigured("ZHUDAI_FIELD_KEYS is empty.")
        raw = [_decode_key(k) for k in encoded_keys]
        self.keys = {key_id(k): AESGCM(k) for k in raw}
        self.current_id = key_id(raw[0])
        self.index_key = index_key.encode() if isinstance(index_key, str) else index_key
        self._hmac_pads = _hmac_pads(self.index_key)

    def encrypt(self, plaintext, aad=None):
        nonce = os.urandom(12)
        data = self.keys[self.current_id].encrypt(nonce, plaintext.encode(), aad and aad.encode())
        return f"{PREFIX}${self.current_id}${base64.b64encode(nonce + data).decode()}"

    def decrypt(self, token, aad=None):
        try:
            prefix, kid, payload = token.split("$", 2)
            raw = binascii.a2b_base64(payload)  # what base64.b64decode does, without its wrapper
        except (ValueError, binascii.Error):
            raise DecryptionError("malformed token") from None
        if prefix != PREFIX or kid not in self.keys:
            raise DecryptionError(f"no key {kid} configured")
        try:
            return self.keys[kid].decrypt(raw[:12], raw[12:], aad and aad.encode()).decode()
        except InvalidTag:
            raise DecryptionError("value does not authenticate") from None

    def token_key_id(self, token):
        parts = token.split("$", 2)
        return parts[1] if len(parts) == 3 else None

    def encrypt_bytes(self, data):
        nonce = os.urandom(12)
        kid = bytes.fromhex(self.current_id)
        return BLOB_MAGIC + kid + nonce + self.keys[self.current_id].encrypt(nonce, data, None)

    def decrypt_bytes(self, blob):
        if not blob.startswith(BLOB_MAGIC):
            raise DecryptionError("not an encrypted file")
        kid = blob[4:8].hex()
        if kid not in self.keys:
            raise DecryptionError(f"no key {kid} configured")
        try:
            return self.keys[kid].decrypt(blob[8:20], blob[20:], None)
        except InvalidTag:
            raise DecryptionError("file does not authenticate") from None

    def blob_key_id(self, blob):
        return blob[4:8].hex() if blob.startswith(BLOB_MAGIC) else None

    def blind_index(self, kind, normalized):
        """Deterministic, keyed digest for exact search and uniqueness; never reversible."""
        if not normalized:
            return None
        inner, outer = self._hmac_pads
        inner = inner.copy()
        inner.update(f"{kind}:{normalized}".encode())
        outer = outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()[:32]


def _hmac_pads(key):
    """HMAC-SHA256 (RFC 2104) with the keyed inner and outer states computed once: the same digest
    as hmac.digest(key, message, "sha256") in a third of the time (OpenSSL 3 looks the algorithm up
    on every one-shot call, and an import computes ~250,000 blind indexes)."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return hashlib.sha256(bytes(b ^ 0x36 for b in key)), hashlib.sha256(bytes(b ^ 0x5C for b in key))


@lru_cache(maxsize=4)
def _cipher_for(keys, index_key):
    return Cipher(list(keys), index_key)


_current = None


def cipher():
    """The Cipher for the configured keys. Kept in a module global (every encrypted value read goes
    through here, and two settings lookups per call added up on exports), reset when a test or a
    rotation changes the key settings."""
    global _current
    if _current is None:
        _current = _cipher_for(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.BLIND_INDEX_KEY)
    return _current


@receiver(setting_changed)
def _keys_changed(setting, **kwargs):
    global _current
    if setting in ("FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"):
        _current = None
