"""The encrypted record store: patients' files at rest under DATA_DIR/records/.

Each file gets its own random 256-bit key; the file is sealed with AES-GCM (the blob's name is
the associated data, so a blob cannot be swapped for another). The file key is wrapped with the
newest master key (ENCRYPTION_KEYS, newest first) and stored in the record's row with the master
key's id (a short hash of the key). Older master keys still unwrap, so keys can be rotated: set a
new key first in ENCRYPTION_KEYS, keep the old ones after it, and `KeyRing.rewrap` the stored keys
when convenient. Plaintext never touches the disk: it is sealed in memory and written through a
temporary file that is fsync'ed and renamed, so a blob is either whole or absent.

Files are taken as any bytes-like object (a download is a ``memoryview`` of one buffer) and
never copied: hashing and AES-GCM (``encrypt_into``) read the caller's memory, and the one
new buffer is the sealed blob itself. Sealing and writing run in a worker thread, off the
event loop (hashing 20 MB alone takes ~80 ms).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_MAGIC = b"SOR1"
_NONCE = 12
_TAG = 16  # AES-GCM's authentication tag
_WRAP_AAD = b"second-opinion:record-key:v1"
_BLOB_NAME = re.compile(r"^[0-9a-f]{32}\.rec$")

BytesLike = bytes | bytearray | memoryview


class RecordStoreError(Exception):
    """A blob that cannot be read back: missing, damaged, or sealed with an unknown key."""


def key_id(master_key: bytes) -> str:
    """A short, stable, non-secret name for a master key (stored with each wrapped key)."""
    return hashlib.sha256(b"second-opinion:key-id:" + master_key).hexdigest()[:16]


def sha256_hex(data: BytesLike) -> str:
    return hashlib.sha256(data).hexdigest()


class KeyRing:
    """Master keys, newest first: the newest wraps, every one of them unwraps."""

    def __init__(self, master_keys: Sequence[bytes]) -> None:
        if not master_keys:
            raise ValueError("at least one master key is required")
        for key in master_keys:
            if len(key) != 32:
                raise ValueError("master keys must be 32 bytes (AES-256)")
        self._keys = {key_id(k): k for k in master_keys}
        self.current_id = key_id(master_keys[0])

    def wrap(self, file_key: bytes) -> tuple[bytes, str]:
        nonce = secrets.token_bytes(_NONCE)
        sealed = AESGCM(self._keys[self.current_id]).encrypt(nonce, file_key, _WRAP_AAD)
        return nonce + sealed, self.current_id

    def unwrap(self, wrapped: bytes, wrapped_with: str) -> bytes:
        master = self._keys.get(wrapped_with)
        if master is None:
            raise RecordStoreError(f"master key {wrapped_with} is not in ENCRYPTION_KEYS")
        try:
            return AESGCM(master).decrypt(wrapped[:_NONCE], wrapped[_NONCE:], _WRAP_AAD)
        except InvalidTag:
            raise RecordStoreError("a wrapped key does not open with its master key") from None

    def needs_rewrap(self, wrapped_with: str) -> bool:
        return wrapped_with != self.current_id

    def rewrap(self, wrapped: bytes, wrapped_with: str) -> tuple[bytes, str]:
        """The same file key, wrapped with the newest master key (for key rotation)."""
        if not self.needs_rewrap(wrapped_with):
            return wrapped, wrapped_with
        return self.wrap(self.unwrap(wrapped, wrapped_with))


@dataclass(frozen=True)
class SealedBlob:
    """What the database keeps about a stored file."""

    blob_name: str
    wrapped_key: bytes
    key_id: str
    sha256: str
    size: int


class RecordStore:
    def __init__(self, directory: Path, master_keys: Sequence[bytes]) -> None:
        self.directory = directory
        self.keys = KeyRing(master_keys)

    # -- paths --------------------------------------------------------------------------------

    def path(self, blob_name: str) -> Path:
        if _BLOB_NAME.match(blob_name) is None:
            raise RecordStoreError("not a blob name")
        return self.directory / blob_name[:2] / blob_name

    # -- sealing (pure, in memory) ------------------------------------------------------------

    def seal(self, data: BytesLike, *, sha256: str | None = None
             ) -> tuple[SealedBlob, bytes | bytearray]:
        """Encrypt in memory: the row's fields and the bytes to write. ``sha256``: the caller's
        own digest of these very bytes, when it has one already (else computed here)."""
        size = memoryview(data).nbytes
        blob_name = f"{secrets.token_hex(16)}.rec"
        file_key = AESGCM.generate_key(bit_length=256)
        nonce = secrets.token_bytes(_NONCE)
        aead = AESGCM(file_key)
        header = _MAGIC + nonce
        body: bytes | bytearray
        if hasattr(aead, "encrypt_into"):
            # cryptography >= 45: encrypt straight into the blob's buffer, so a 20 MB file
            # costs one more 20 MB in memory, not two (ciphertext, then header + ciphertext);
            # ``data`` is read in place, whatever bytes-like object it is.
            body = bytearray(len(header) + size + _TAG)
            body[:len(header)] = header
            aead.encrypt_into(nonce, data, blob_name.encode(), memoryview(body)[len(header):])
        else:
            body = header + aead.encrypt(nonce, data, blob_name.encode())
        wrapped, wrapped_with = self.keys.wrap(file_key)
        return SealedBlob(blob_name=blob_name, wrapped_key=wrapped, key_id=wrapped_with,
                          sha256=sha256 or sha256_hex(data), size=size), body

    def open_sealed(self, body: bytes, *, blob_name: str, wrapped_key: bytes, key_id: str
                    ) -> bytes:
        if not body.startswith(_MAGIC) or len(body) < len(_MAGIC) + _NONCE + 16:
            raise RecordStoreError("not a sealed record")
        file_key = self.keys.unwrap(wrapped_key, key_id)
        nonce = body[len(_MAGIC):len(_MAGIC) + _NONCE]
        try:
            return AESGCM(file_key).decrypt(nonce, body[len(_MAGIC) + _NONCE:],
                                            blob_name.encode())
        except InvalidTag:
            raise RecordStoreError("a record failed its integrity check") from None

    # -- disk ---------------------------------------------------------------------------------

    async def put(self, data: BytesLike, *, sha256: str | None = None) -> SealedBlob:
        """Seal and durably write a file (in a worker thread). Returns only once the blob is
        on disk. ``sha256`` as for `seal`."""
        return await asyncio.to_thread(self._seal_and_write, data, sha256)

    def _seal_and_write(self, data: BytesLike, sha256: str | None) -> SealedBlob:
        sealed, body = self.seal(data, sha256=sha256)
        self._write(self.path(sealed.blob_name), body)
        return sealed

    async def get(self, *, blob_name: str, wrapped_key: bytes, key_id: str) -> bytes:
        path = self.path(blob_name)
        try:
            body = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise RecordStoreError("the record's file is missing") from None
        return self.open_sealed(body, blob_name=blob_name, wrapped_key=wrapped_key,
                                key_id=key_id)

    async def delete(self, blob_name: str) -> None:
        path = self.path(blob_name)
        await asyncio.to_thread(path.unlink, True)

    def exists(self, blob_name: str) -> bool:
        return self.path(blob_name).exists()

    @staticmethod
    def _write(path: Path, body: bytes | bytearray) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
