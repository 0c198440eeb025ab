"""The services handlers use, created once in the runner and closed at shutdown."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.config import Settings, encryption_keys
from bot.file_fetch import FileFetcher
from bot.ratelimit import RateLimiter
from bot.texts import Texts
from storage.booking import BookingRepo
from storage.cases import CaseRepo
from storage.clock import Clock, SystemClock
from storage.console import CoordinatorRepo
from storage.db import Database
from storage.erasure import ErasureRepo
from storage.links import LinkRepo
from storage.records import RecordStore
from storage.reports import ReportRepo
from storage.repositories import (
    AuditRepo,
    ConversationRepo,
    OutboxRepo,
    PatientRepo,
    ReminderRepo,
    UpdateLog,
)


@dataclass
class Services:
    settings: Settings
    db: Database
    texts: Texts
    clock: Clock
    patients: PatientRepo
    updates: UpdateLog
    conversations: ConversationRepo
    outbox: OutboxRepo
    audit: AuditRepo
    reminders: ReminderRepo
    cases: CaseRepo
    record_store: RecordStore
    console: CoordinatorRepo
    links: LinkRepo
    erasure: ErasureRepo
    booking: BookingRepo
    reports: ReportRepo
    outbox_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    rate_limiter: RateLimiter = field(default_factory=RateLimiter)
    files: FileFetcher = field(default_factory=FileFetcher)  # downloads of people's files

    @classmethod
    def create(cls, settings: Settings, *, db: Database | None = None,
               clock: Clock | None = None) -> Services:
        db = db or Database(settings.database_url)
        clock = clock or SystemClock()
        texts = Texts(default_language=settings.DEFAULT_LANGUAGE, facts={
            "emergency_number": settings.EMERGENCY_NUMBER,
            "support_email": settings.SUPPORT_EMAIL,
            "turnaround_days": settings.TURNAROUND_DAYS,
        })
        return cls(
            settings=settings, db=db, texts=texts, clock=clock,
            patients=PatientRepo(db, clock), updates=UpdateLog(db, clock),
            conversations=ConversationRepo(db, clock), outbox=OutboxRepo(db, clock),
            audit=AuditRepo(db, clock), reminders=ReminderRepo(db, clock),
            cases=CaseRepo(db, clock),
            record_store=RecordStore(settings.DATA_DIR / "records", encryption_keys(settings)),
            console=CoordinatorRepo(db, clock), links=LinkRepo(db, clock),
            erasure=ErasureRepo(db, clock),
            booking=BookingRepo(db, clock), reports=ReportRepo(db, clock),
        )

    def is_coordinator(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.coordinator_ids

    async def close(self) -> None:
        try:
            await self.files.close()
        finally:
            await self.db.dispose()
