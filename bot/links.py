"""Signed, expiring, revocable links to pages of the bot's own web server.

A token is ``<link id>.<expiry, unix seconds>.<signature>``: the signature is HMAC-SHA256 over
the link id and the expiry with LINK_SECRET (several secrets, comma-separated, newest first:
the newest signs, each of them verifies, so a secret can be rotated without breaking links
already sent). The server-side half is a ``links`` row (purpose, target id, expiry, revoked_at):
a token opens only while its row exists, matches the purpose, is unexpired and not revoked.
Anything else — tampered, expired, revoked, unknown or malformed — is simply not found.

General on purpose: downloads of a case's records use purpose ``records``; the report pages of
the report-delivery feature use their own purpose, path and time to live.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.config import Settings, link_secret
from bot.services import Services
from storage.links import LinkOut

_TOKEN = re.compile(r"^([0-9a-f]{32})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$")
_DOMAIN = b"second-opinion:link:v1"


@dataclass(frozen=True)
class IssuedLink:
    link_id: str
    token: str
    url: str
    expires_at: datetime


def parse_secrets(raw: bytes | str) -> tuple[bytes, ...]:
    """LINK_SECRET's secrets, newest first (comma-separated)."""
    data = raw.encode() if isinstance(raw, str) else raw
    keys = tuple(part.strip() for part in data.split(b",") if part.strip())
    if not keys:
        raise ValueError("LINK_SECRET holds no secret")
    return keys


def signing_keys(settings: Settings) -> tuple[bytes, ...]:
    return parse_secrets(link_secret(settings))


def _signature(key: bytes, link_id: str, expires: int) -> str:
    mac = hmac.new(key, b"\x1f".join((_DOMAIN, link_id.encode(), str(expires).encode())),
                   hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def sign(link_id: str, expires_at: datetime, keys: Sequence[bytes]) -> str:
    """A token for this link id and expiry, signed with the newest key."""
    if not re.fullmatch(r"[0-9a-f]{32}", link_id):
        raise ValueError("a link id is 32 hex digits")
    expires = int(expires_at.timestamp())
    return f"{link_id}.{expires}.{_signature(keys[0], link_id, expires)}"


def verify(token: str, keys: Sequence[bytes], now: datetime) -> str | None:
    """The link id of a well-formed, correctly signed, unexpired token; otherwise None."""
    if not isinstance(token, str) or len(token) > 128:
        return None
    m = _TOKEN.match(token)
    if m is None:
        return None
    link_id, expires_raw, given = m.group(1), m.group(2), m.group(3)
    expires = int(expires_raw)
    valid = False
    for key in keys:  # every key is tried: the answer's timing does not tell which matched
        valid |= hmac.compare_digest(_signature(key, link_id, expires), given)
    if not valid or now >= datetime.fromtimestamp(expires, UTC):
        return None
    return link_id


def link_url(settings: Settings, path: str, token: str) -> str:
    return f"{settings.public_base_url}/{path.strip('/')}/{token}"


async def issue(services: Services, *, purpose: str, target_id: int, ttl: timedelta, path: str,
                actor: str, patient_id: int | None = None) -> IssuedLink:
    """Create a link (its row first, then the token) valid for ``ttl``."""
    link_id = secrets.token_hex(16)
    # Whole seconds, so the row and the token say the same expiry.
    expires_at = (services.clock.now() + ttl).replace(microsecond=0)
    await services.links.create(link_id=link_id, purpose=purpose, target_id=target_id,
                                expires_at=expires_at, actor=actor, patient_id=patient_id)
    token = sign(link_id, expires_at, signing_keys(services.settings))
    return IssuedLink(link_id=link_id, token=token,
                      url=link_url(services.settings, path, token), expires_at=expires_at)


async def resolve(services: Services, token: str, *, purpose: str) -> LinkOut | None:
    """The link behind a token, if it may be opened now for this purpose."""
    now = services.clock.now()
    link_id = verify(token, signing_keys(services.settings), now)
    if link_id is None:
        return None
    link = await services.links.get(link_id=link_id)
    if link is None or link.purpose != purpose or not link.usable(now):
        return None
    return link


async def revoke(services: Services, *, link_id: str, actor: str) -> bool:
    return await services.links.revoke(link_id=link_id, actor=actor)
