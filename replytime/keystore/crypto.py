"""AES-256-GCM for data keys (wrapped by a master key) and for secrets (sealed by a data key).

Every ciphertext is bound by its associated data to where it belongs (account, key reference,
purpose), so a ciphertext copied to another row or account does not decrypt.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
DATA_KEY_BYTES = 32

__all__ = ["DATA_KEY_BYTES", "InvalidTag", "decrypt", "encrypt", "new_data_key"]


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=DATA_KEY_BYTES * 8)


def encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """nonce || ciphertext+tag; a fresh random nonce each call."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    """Raises InvalidTag when the key, the data or the associated data do not match."""
    return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
