"""The server-side half of signed links: what a link opens, until when, and whether it was
revoked. The token itself (an HMAC over the link id and expiry) is made in `bot/links.py`; a
token is honoured only while its row here exists, is unexpired and is not revoked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from storage.models import Link
from storage.repositories import _Repo, stage_audit
from storage.schemas import _Frozen


class LinkOut(_Frozen):
    id: str
    purpose: str
    target_id: int
    patient_id: int | None
    expires_at: datetime
    revoked_at: datetime | None
    created_at: datetime

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class LinkRepo(_Repo):
    async def create(self, *, link_id: str, purpose: str, target_id: int, expires_at: datetime,
                     actor: str, patient_id: int | None = None) -> LinkOut:
        now = self._clock.now()
        async with self._db.transaction() as s:
            row = Link(id=link_id, purpose=purpose, target_id=target_id, patient_id=patient_id,
                       expires_at=expires_at, created_at=now)
            s.add(row)
            await stage_audit(s, actor=actor, action=f"link.issued.{purpose}",
                              subject=f"link:{link_id}", now=now)
            await s.flush()
            return LinkOut.model_validate(row)

    async def get(self, *, link_id: str) -> LinkOut | None:
        async with self._db.read() as s:
            row = await s.get(Link, link_id)
            return None if row is None else LinkOut.model_validate(row)

    async def opened(self, *, link_id: str, purpose: str, target_id: int) -> None:
        """Audit one opening of a link (ids only)."""
        async with self._db.transaction() as s:
            await stage_audit(s, actor=f"link:{link_id}", action=f"link.opened.{purpose}",
                              subject=f"{purpose}:{target_id}", now=self._clock.now())

    async def revoke(self, *, link_id: str, actor: str) -> bool:
        now = self._clock.now()
        async with self._db.transaction() as s:
            result = await s.execute(update(Link).where(Link.id == link_id,
                                                        Link.revoked_at.is_(None))
                                     .values(revoked_at=now))
            if not result.rowcount:  # type: ignore[attr-defined]
                return False
            await stage_audit(s, actor=actor, action="link.revoked", subject=f"link:{link_id}",
                              now=now)
            return True

    async def revoke_for(self, *, purpose: str, target_id: int, actor: str) -> int:
        """Revoke every live link of one purpose to one target (e.g. a replaced report)."""
        now = self._clock.now()
        async with self._db.transaction() as s:
            ids = list((await s.execute(select(Link.id).where(
                Link.purpose == purpose, Link.target_id == target_id,
                Link.revoked_at.is_(None)))).scalars())
            if not ids:
                return 0
            await s.execute(update(Link).where(Link.id.in_(ids)).values(revoked_at=now))
            for link_id in ids:
                await stage_audit(s, actor=actor, action="link.revoked",
                                  subject=f"link:{link_id}", now=now)
            return len(ids)
