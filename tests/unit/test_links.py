"""Signed links: the HMAC token (sign, verify, tampering, expiry, rotation of LINK_SECRET) and
the server-side half (issue, resolve, purpose, revocation) against a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import load_settings
from bot.links import issue, link_url, parse_secrets, resolve, revoke, sign, signing_keys, verify
from bot.services import Services
from storage.clock import ManualClock
from storage.db import Database, migrate

NOW = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
LINK_ID = "0123456789abcdef0123456789abcdef"
NEW, OLD = b"new-secret-0123456789", b"old-secret-9876543210"


def test_a_token_verifies_until_it_expires():
    token = sign(LINK_ID, NOW + timedelta(minutes=15), [NEW])
    assert verify(token, [NEW], NOW) == LINK_ID
    assert verify(token, [NEW], NOW + timedelta(minutes=14, seconds=59)) == LINK_ID
    assert verify(token, [NEW], NOW + timedelta(minutes=15)) is None
    assert verify(token, [NEW], NOW + timedelta(days=1)) is None


def test_tampering_with_any_part_fails():
    token = sign(LINK_ID, NOW + timedelta(minutes=15), [NEW])
    link_id, expires, signature = token.split(".")
    flipped = "a" if signature[5] != "a" else "b"
    tampered = [
        f"{link_id}.{expires}.{signature[:5]}{flipped}{signature[6:]}",   # signature
        f"{'f' + link_id[1:]}.{expires}.{signature}",                       # another link
        f"{link_id}.{int(expires) + 3600}.{signature}",                     # a later expiry
    ]
    for bad in tampered:
        assert verify(bad, [NEW], NOW) is None, bad


@pytest.mark.parametrize("malformed", [
    "", "abc", "..", "a.b.c", f"{LINK_ID}.123", f"{LINK_ID}.x.{'A' * 43}",
    f"{LINK_ID.upper()}.1893456000.{'A' * 43}", f"{LINK_ID}.1893456000.{'A' * 42}",
    f"{LINK_ID}.1893456000.{'A' * 43}.extra", "x" * 500, f"{LINK_ID}.1893456000.{'*' * 43}",
])
def test_malformed_tokens_are_refused(malformed):
    assert verify(malformed, [NEW], NOW) is None


def test_a_forged_signature_with_another_secret_fails():
    token = sign(LINK_ID, NOW + timedelta(minutes=15), [b"attacker"])
    assert verify(token, [NEW], NOW) is None


def test_rotation_newest_signs_every_secret_verifies():
    keys = parse_secrets(b"new-secret-0123456789, old-secret-9876543210")
    assert keys == (NEW, OLD)
    old_token = sign(LINK_ID, NOW + timedelta(minutes=15), [OLD])
    assert verify(old_token, keys, NOW) == LINK_ID       # links sent before the rotation
    new_token = sign(LINK_ID, NOW + timedelta(minutes=15), keys)
    assert verify(new_token, [NEW], NOW) == LINK_ID       # signed with the newest
    assert verify(old_token, [NEW], NOW) is None          # the old secret retired: gone


def test_parse_secrets_refuses_an_empty_value():
    with pytest.raises(ValueError):
        parse_secrets(b" , ")


def test_sign_refuses_a_bad_link_id():
    with pytest.raises(ValueError):
        sign("not-hex", NOW, [NEW])


# -- with the database ------------------------------------------------------------------------

@pytest.fixture
async def services(tmp_path, database_url):
    await migrate(database_url)
    settings = load_settings({"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url,
                              "LINK_SECRET": "new-secret-0123456789,old-secret-9876543210",
                              "PUBLIC_BASE_URL": "https://bot.example.org/"})
    clock = ManualClock(NOW)
    svc = Services.create(settings, db=Database(database_url), clock=clock)
    yield svc
    await svc.close()


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[-1]


async def test_issue_resolve_and_revoke(services):
    link = await issue(services, purpose="records", target_id=42, ttl=timedelta(minutes=15),
                       path="/dl", actor="coordinator:9001")
    assert link.url == f"https://bot.example.org/dl/{link.token}"
    assert link_url(services.settings, "dl", link.token) == link.url
    found = await resolve(services, link.token, purpose="records")
    assert found is not None and found.target_id == 42 and found.id == link.link_id
    # Another purpose never opens it.
    assert await resolve(services, link.token, purpose="report") is None
    assert await revoke(services, link_id=link.link_id, actor="coordinator:9001")
    assert not await revoke(services, link_id=link.link_id, actor="coordinator:9001")
    assert await resolve(services, link.token, purpose="records") is None
    actions = [e.action for e in await services.audit.all()]
    assert actions == ["link.issued.records", "link.revoked"]


async def test_expired_and_unknown_links(services):
    link = await issue(services, purpose="records", target_id=7, ttl=timedelta(minutes=15),
                       path="/dl", actor="coordinator:9001")
    services.clock.advance(timedelta(minutes=14))
    assert await resolve(services, link.token, purpose="records") is not None
    services.clock.advance(timedelta(minutes=1))
    assert await resolve(services, link.token, purpose="records") is None
    # Correctly signed, but no row behind it: not found.
    ghost = sign("f" * 32, NOW + timedelta(hours=1), signing_keys(services.settings))
    services.clock.advance(timedelta(minutes=-20))
    assert await resolve(services, ghost, purpose="records") is None


async def test_revoke_for_a_target(services):
    links = [await issue(services, purpose="report", target_id=5, ttl=timedelta(days=7),
                         path="/r", actor="system") for _ in range(3)]
    other = await issue(services, purpose="report", target_id=6, ttl=timedelta(days=7),
                        path="/r", actor="system")
    assert await services.links.revoke_for(purpose="report", target_id=5, actor="system") == 3
    for link in links:
        assert await resolve(services, link.token, purpose="report") is None
    assert await resolve(services, other.token, purpose="report") is not None


def test_generated_secret_when_unset(tmp_path):
    settings = load_settings({"DATA_DIR": str(tmp_path / "data")})
    first = signing_keys(settings)
    assert first == signing_keys(settings)  # kept in DATA_DIR, read back the same
    assert len(first) == 1 and len(first[0]) >= 32
