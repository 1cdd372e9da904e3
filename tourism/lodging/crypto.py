"""Guests' document numbers: authenticated encryption at rest, a blind index, masking."""

import hashlib
import hmac
import os
import re

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

# The first byte of every ciphertext names the key version, so DATA_KEY can be rotated later.
KEY_VERSION = 1
NONCE_BYTES = 12
# Bound to every ciphertext: a document number cannot be passed off as some other encrypted field.
ASSOCIATED_DATA = b"lodging.guest.document_number"
_SEPARATORS = re.compile(r"[\s\-./]")


class DataKeyError(RuntimeError):
    """Raised when DATA_KEY is missing or unusable."""


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


def _keys() -> tuple[bytes, bytes]:
    """Return (encryption key, index key), derived once per app from DATA_KEY."""
    cached = current_app.extensions.get("lodging_keys")
    if cached is None:
        secret = current_app.config.get("DATA_KEY") or ""
        if len(secret) < 32:
            raise DataKeyError("DATA_KEY must be at least 32 characters")
        raw = secret.encode()
        # Separate keys per purpose: the blind index must not help anyone decrypt.
        cached = (_derive(raw, b"tourism guest encryption v1"), _derive(raw, b"tourism guest index v1"))
        current_app.extensions["lodging_keys"] = cached
    return cached


def normalise_document(number: str) -> str:
    """Return the canonical form of a document number: upper-case, no spaces or dashes."""
    return _SEPARATORS.sub("", number or "").upper()


def encrypt_document(number: str) -> bytes:
    """Encrypt a normalised document number with AES-256-GCM and a random nonce."""
    key, _ = _keys()
    nonce = os.urandom(NONCE_BYTES)
    return bytes([KEY_VERSION]) + nonce + AESGCM(key).encrypt(nonce, number.encode(), ASSOCIATED_DATA)


def decrypt_document(blob: bytes) -> str:
    """Decrypt what `encrypt_document` made; raises InvalidTag when it was tampered with."""
    if not blob or blob[0] != KEY_VERSION:
        raise DataKeyError("unknown key version")
    key, _ = _keys()
    nonce, ciphertext = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    return AESGCM(key).decrypt(nonce, ciphertext, ASSOCIATED_DATA).decode()


def document_index(document_type: str, nationality: str, number: str) -> str:
    """Return the keyed hash that finds a document without storing it in clear."""
    _, key = _keys()
    # Passport numbers repeat across countries: the issuing nationality is part of the identity.
    message = f"{document_type}:{nationality.upper()}:{normalise_document(number)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def mask(last3: str | None) -> str:
    """Show only the last three characters of a document number."""
    return f"•••••{last3}" if last3 else ""
