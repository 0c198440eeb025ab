"""The encrypted record store: AES-GCM per file, wrapped keys, rotation, durable writes."""

from __future__ import annotations

import hashlib
import os
import secrets

import pytest

from storage.records import KeyRing, RecordStore, RecordStoreError, key_id, sha256_hex
from tests.fixtures import samples


def _key() -> bytes:
    return secrets.token_bytes(32)


async def test_put_get_round_trip_and_nothing_plain_on_disk(tmp_path):
    store = RecordStore(tmp_path / "records", [_key()])
    data = samples.pdf()
    sealed = await store.put(data)
    assert sealed.sha256 == hashlib.sha256(data).hexdigest() == sha256_hex(data)
    assert sealed.size == len(data)
    assert sealed.key_id == store.keys.current_id and len(sealed.key_id) == 16
    path = store.path(sealed.blob_name)
    assert path.exists() and path.parent.parent == tmp_path / "records"
    on_disk = path.read_bytes()
    assert data not in on_disk and b"%PDF" not in on_disk and b"Lab results" not in on_disk
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    # No temporary files are left behind.
    assert [p.name for p in path.parent.iterdir()] == [sealed.blob_name]
    back = await store.get(blob_name=sealed.blob_name, wrapped_key=sealed.wrapped_key,
                           key_id=sealed.key_id)
    assert back == data


async def test_each_file_has_its_own_key(tmp_path):
    store = RecordStore(tmp_path, [_key()])
    a = await store.put(b"same bytes")
    b = await store.put(b"same bytes")
    assert a.blob_name != b.blob_name and a.wrapped_key != b.wrapped_key
    assert a.sha256 == b.sha256
    assert store.path(a.blob_name).read_bytes() != store.path(b.blob_name).read_bytes()


async def test_tampering_and_swapping_are_detected(tmp_path):
    store = RecordStore(tmp_path, [_key()])
    a = await store.put(b"first record")
    b = await store.put(b"second record")
    # A blob copied over another's name fails (the name is bound into the ciphertext).
    store.path(b.blob_name).write_bytes(store.path(a.blob_name).read_bytes())
    with pytest.raises(RecordStoreError):
        await store.get(blob_name=b.blob_name, wrapped_key=a.wrapped_key, key_id=a.key_id)
    body = bytearray(store.path(a.blob_name).read_bytes())
    body[-1] ^= 1
    store.path(a.blob_name).write_bytes(bytes(body))
    with pytest.raises(RecordStoreError):
        await store.get(blob_name=a.blob_name, wrapped_key=a.wrapped_key, key_id=a.key_id)


async def test_key_rotation(tmp_path):
    old, new = _key(), _key()
    before = RecordStore(tmp_path, [old])
    sealed = await before.put(b"record under the old key")
    assert sealed.key_id == key_id(old)

    after = RecordStore(tmp_path, [new, old])  # the new key first, the old one kept
    assert after.keys.current_id == key_id(new)
    # The old key still unwraps.
    assert await after.get(blob_name=sealed.blob_name, wrapped_key=sealed.wrapped_key,
                           key_id=sealed.key_id) == b"record under the old key"
    # New files use the new key.
    fresh = await after.put(b"new record")
    assert fresh.key_id == key_id(new)
    # Rewrapping moves a stored key to the newest master key without touching the blob.
    assert after.keys.needs_rewrap(sealed.key_id)
    wrapped, wrapped_with = after.keys.rewrap(sealed.wrapped_key, sealed.key_id)
    assert wrapped_with == key_id(new) and not after.keys.needs_rewrap(wrapped_with)
    assert after.keys.rewrap(wrapped, wrapped_with) == (wrapped, wrapped_with)
    only_new = RecordStore(tmp_path, [new])
    assert await only_new.get(blob_name=sealed.blob_name, wrapped_key=wrapped,
                              key_id=wrapped_with) == b"record under the old key"
    # Once the old key is dropped, what was not rewrapped no longer opens.
    with pytest.raises(RecordStoreError):
        await only_new.get(blob_name=sealed.blob_name, wrapped_key=sealed.wrapped_key,
                           key_id=sealed.key_id)


async def test_delete_and_missing(tmp_path):
    store = RecordStore(tmp_path, [_key()])
    sealed = await store.put(b"x" * 1000)
    assert store.exists(sealed.blob_name)
    await store.delete(sealed.blob_name)
    assert not store.exists(sealed.blob_name)
    await store.delete(sealed.blob_name)  # deleting twice is harmless
    with pytest.raises(RecordStoreError):
        await store.get(blob_name=sealed.blob_name, wrapped_key=sealed.wrapped_key,
                        key_id=sealed.key_id)


def test_blob_names_cannot_escape_the_directory(tmp_path):
    store = RecordStore(tmp_path, [_key()])
    for name in ("../../etc/passwd", "ab/../../x.rec", "", "A" * 32 + ".rec"):
        with pytest.raises(RecordStoreError):
            store.path(name)


def test_keyring_validation():
    with pytest.raises(ValueError):
        KeyRing([])
    with pytest.raises(ValueError):
        KeyRing([b"short"])
    ring = KeyRing([_key()])
    with pytest.raises(RecordStoreError):
        ring.unwrap(b"\0" * 60, "0123456789abcdef")


async def test_write_is_fsynced(tmp_path, monkeypatch):
    synced: list[int] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    store = RecordStore(tmp_path, [_key()])
    await store.put(b"durable")
    assert len(synced) >= 2  # the file, then its directory
