"""Receiving records: size check before download, download into memory (one buffer of the
announced size, `bot.file_fetch`), type by content, de-duplication by SHA-256, date from the
file, encrypted and durable before the patient is told. The file is never copied on the way:
every step reads the download's buffer.

A single file gets its answer at once. The photos of an album arrive as separate updates sharing
a ``media_group_id``: each is stored as it arrives, and one job (``album:<media_group_id>``),
pushed back by every new item, sends the single reply about 1.5 s after the last one.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from telegram import Message, Update
from telegram.ext import JobQueue

from bot.context import BotContext
from bot.file_fetch import DownloadFailed, FileTooBig
from bot.files import MAX_DOWNLOAD_BYTES, Refusal, extract_date, judge
from conversations.intake.common import today_for
from conversations.intake.screens import present, present_at
from conversations.intake.steps import IntakeState, Pos
from storage.cases import MAX_RECORDS, PROPOSED
from storage.records import sha256_hex
from storage.schemas import CaseOut, PatientOut

log = logging.getLogger(__name__)

ALBUM_DELAY = 1.5

Outcome = Literal["added", "duplicate", "full", "too_big", "failed", "gone"] | Refusal


@dataclass
class AlbumTally:
    chat_id: int
    user_id: int
    outcomes: list[str] = field(default_factory=list)


async def receive(update: Update, context: BotContext, patient: PatientOut, case: CaseOut,
                  pos: Pos) -> IntakeState:
    """A document or photo at the records step."""
    message = update.effective_message
    if message is None:
        return pos.state
    outcome = await store_file(context, message, patient, case, pos)
    log.info("record upload for case %s: %s", case.id, outcome)
    group = message.media_group_id
    if group is not None and context.job_queue is not None:
        _push_album_job(context.job_queue, group, message.chat_id, patient.telegram_user_id,
                        outcome)
        return pos.state
    fresh = await context.services.cases.get(case_id=case.id) or case
    return await present(update, context, fresh, pos.at(""), note=outcome_note(context, [outcome]))


async def store_file(context: BotContext, message: Message, patient: PatientOut, case: CaseOut,
                     pos: Pos) -> Outcome:
    services = context.services
    if message.document is not None:
        file_id = message.document.file_id
        unique_id = message.document.file_unique_id
        declared = message.document.file_size
        name = message.document.file_name
    elif message.photo:
        largest = message.photo[-1]
        file_id, unique_id, declared, name = (largest.file_id, largest.file_unique_id,
                                              largest.file_size, None)
    else:
        return "failed"
    # Checked before any download is tried: Telegram would refuse it anyway.
    if declared is not None and declared > MAX_DOWNLOAD_BYTES:
        return "too_big"
    if await services.cases.count_records(case_id=case.id) >= MAX_RECORDS:
        return "full"
    try:
        data = await services.files.fetch(context.bot, file_id)
    except FileTooBig:
        return "too_big"
    except DownloadFailed as exc:
        log.warning("download failed for case %s: %s", case.id, exc)
        return "failed"
    verdict = judge(data, name)
    if verdict.kind is None or verdict.mime is None:
        return verdict.refusal or Refusal.UNKNOWN
    digest = await asyncio.to_thread(sha256_hex, data)  # ~80 ms for 20 MB: off the loop
    if await services.cases.find_record(case_id=case.id, sha256=digest) is not None:
        return "duplicate"
    found = await asyncio.to_thread(extract_date, data, verdict.kind,
                                    today=today_for(context, patient.timezone))
    sealed = await services.record_store.put(data, sha256=digest)
    del data
    try:
        result = await services.cases.add_record(
            case_id=case.id, patient_id=patient.id, step=pos.at("").encode(),
            mime=verdict.mime, size=sealed.size, sha256=sealed.sha256,
            blob_name=sealed.blob_name, wrapped_key=sealed.wrapped_key, key_id=sealed.key_id,
            record_date=found, date_source=PROPOSED if found else None,
            file_unique_id=unique_id, media_group_id=message.media_group_id)
    except BaseException:
        await services.record_store.delete(sealed.blob_name)  # no row, so no file either
        raise
    if result.outcome != "added":
        await services.record_store.delete(sealed.blob_name)
    return result.outcome


def outcome_note(context: BotContext, outcomes: list[str]) -> str | None:
    """One short note about what happened to the file(s) just sent."""
    if not outcomes:
        return None
    if len(outcomes) == 1:
        return context.t("intake-upload-" + outcomes[0])
    refusals = {r.value for r in Refusal}
    parts = []
    added = outcomes.count("added")
    if added:
        parts.append(context.t("intake-upload-album", count=added))
    for outcome in ("duplicate", "too_big", "full", "failed"):
        if outcome in outcomes:
            parts.append(context.t(f"intake-upload-album-{outcome}",
                                   count=outcomes.count(outcome)))
    refused = sum(1 for o in outcomes if o in refusals)
    if refused:
        parts.append(context.t("intake-upload-album-refused", count=refused))
    return "\n".join(parts) or None


# -- albums -----------------------------------------------------------------------------------

def _job_name(media_group_id: str) -> str:
    return f"album:{media_group_id}"


def _push_album_job(jobs: JobQueue[Any], media_group_id: str, chat_id: int,
                    user_id: int, outcome: str) -> None:
    name = _job_name(media_group_id)
    tally: AlbumTally | None = None
    for job in jobs.get_jobs_by_name(name):
        if isinstance(job.data, AlbumTally):
            tally = job.data
        job.schedule_removal()
    if tally is None:
        tally = AlbumTally(chat_id=chat_id, user_id=user_id)
    tally.outcomes.append(outcome)
    jobs.run_once(album_reply, when=ALBUM_DELAY, data=tally, name=name, chat_id=chat_id,
                  user_id=user_id)


async def album_reply(context: BotContext) -> None:
    """The one reply to an album, once its last item has been stored."""
    job = context.job
    if job is None or not isinstance(job.data, AlbumTally):
        return
    tally = job.data
    services = context.services
    patient = await services.patients.get(telegram_user_id=tally.user_id)
    if patient is None:
        return
    context.lang = patient.language
    note = outcome_note(context, tally.outcomes)
    draft = await services.cases.draft(patient_id=patient.id)
    if draft is None:
        if note:
            await context.bot.send_message(tally.chat_id, note)
        return
    pos = Pos.decode(draft.step)
    if pos.state is IntakeState.RECORDS:
        pos = pos.at("")
    await present_at(context, tally.chat_id, draft, pos, note=note)
