"""The patient answers a coordinator's request for more information.

The request reaches the patient through the outbox with a "Reply" button
(``nav:case_reply:<case id>``, which works from any step). In the ``reply.writing`` state every
text and every file (checked by content, size-capped, stored encrypted, like the intake's) is
added to the case at once, so nothing is lost if the patient leaves; "Done" sends the case back
to where it was and alerts the coordinators, in one transaction. Which case the patient is
answering is kept in the database (``conversation_states``, name ``case_reply``). Entry:
``case_reply``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.callbacks import cb, parse, pattern
from bot.context import BotContext
from bot.file_fetch import DownloadFailed, FileTooBig
from bot.files import MAX_DOWNLOAD_BYTES, extract_date, judge
from bot.flow import Flow, StateResult
from bot.keyboards import inline
from bot.ui import ack, edit_markup, say
from handlers.coordinator.alerts import notifier
from storage.cases import confirmed_source
from storage.records import sha256_hex
from storage.schemas import CaseOut, PatientOut

log = logging.getLogger(__name__)

FEATURE = "reply"
TARGET = "case_reply"
RECEIVED = "received"  # date_source of a file dated the day it came (no date inside it)
MAX_TEXT = 4000


class ReplyState(StrEnum):
    WRITING = "reply.writing"


# -- where we are -------------------------------------------------------------------------------

async def _target(context: BotContext) -> tuple[PatientOut, CaseOut] | None:
    """The patient and the case they are answering, if it still waits for their answer."""
    patient = context.patient
    if patient is None:
        return None
    console = context.services.console
    raw = await console.get_state(name=TARGET, key=str(patient.id))
    if raw is None or not raw.isdigit():
        return None
    case = await console.reply_target(case_id=int(raw), patient_id=patient.id)
    return None if case is None else (patient, case)


def _done_markup(context: BotContext, case_id: int) -> InlineKeyboardMarkup:
    return inline([[(context.t("btn-reply-done"), cb(FEATURE, "done", case_id))],
                   [(context.t("btn-menu"), cb("menu", "home"))]])


async def _so_far(context: BotContext, patient: PatientOut, case: CaseOut) -> str | None:
    counts = await context.services.console.reply_counts(case_id=case.id, patient_id=patient.id)
    if counts.outcome != "ok" or not (counts.texts or counts.files):
        return None
    return context.t("reply-sofar", texts=counts.texts, files=counts.files)


async def _gone(update: Update, context: BotContext) -> StateResult:
    if context.patient is not None:
        await context.services.console.set_state(name=TARGET, key=str(context.patient.id),
                                                 state=None)
    await say(update, context, "reply-gone")
    return await context.nav.go("menu", update, context)


# -- prompt and entry ---------------------------------------------------------------------------

async def prompt_writing(update: Update, context: BotContext) -> None:
    here = await _target(context)
    if here is None:
        await say(update, context, "reply-gone")
        return
    patient, case = here
    request = await context.services.console.open_request(case_id=case.id)
    text = context.t("reply-prompt", number=case.number or "",
                     question=request.text if request and request.text else "—")
    so_far = await _so_far(context, patient, case)
    if so_far:
        text += "\n\n" + so_far
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text, reply_markup=_done_markup(context, case.id))


async def enter_reply(update: Update, context: BotContext) -> StateResult:
    """The "Reply" button of a request (``nav:case_reply:<case id>``), from any step."""
    data = parse(update.callback_query.data if update.callback_query else None)
    await ack(update, context)
    patient = context.patient
    case_id = data.int_id if data else None
    if patient is None or not patient.consented or case_id is None:
        return await context.nav.go("menu", update, context)
    console = context.services.console
    if await console.reply_target(case_id=case_id, patient_id=patient.id) is None:
        return await _gone(update, context)
    await console.set_state(name=TARGET, key=str(patient.id), state=str(case_id))
    await prompt_writing(update, context)
    return ReplyState.WRITING


# -- steps --------------------------------------------------------------------------------------

async def on_writing_text(update: Update, context: BotContext) -> StateResult:
    message = update.effective_message
    here = await _target(context)
    if message is None or message.text is None:
        return None
    if here is None:
        return await _gone(update, context)
    patient, case = here
    text = message.text.strip()[:MAX_TEXT]
    if not text:
        return None
    result = await context.services.console.add_reply_text(case_id=case.id,
                                                           patient_id=patient.id, text=text)
    if result.outcome == "gone":
        return await _gone(update, context)
    note = context.t("reply-text-added") + "\n" + context.t(
        "reply-sofar", texts=result.texts, files=result.files)
    await context.bot.send_message(message.chat_id, note,
                                   reply_markup=_done_markup(context, case.id))
    return None


async def on_writing_file(update: Update, context: BotContext) -> StateResult:
    message = update.effective_message
    here = await _target(context)
    if message is None:
        return None
    if here is None:
        return await _gone(update, context)
    patient, case = here
    outcome = await _store_file(context, message, patient, case)
    log.info("reply file for case %s: %s", case.id, outcome)
    if outcome == "gone":
        return await _gone(update, context)
    console = context.services.console
    caption = (message.caption or "").strip()
    if caption and outcome == "added":
        await console.add_reply_text(case_id=case.id, patient_id=patient.id,
                                     text=caption[:MAX_TEXT])
    lines = [context.t(f"reply-file-{outcome}")]
    if so_far := await _so_far(context, patient, case):
        lines.append(so_far)
    await context.bot.send_message(message.chat_id, "\n".join(lines),
                                   reply_markup=_done_markup(context, case.id))
    return None


async def on_writing_done(update: Update, context: BotContext) -> StateResult:
    data = parse(update.callback_query.data if update.callback_query else None)
    here = await _target(context)
    if here is None or data is None or data.int_id != here[1].id:
        await ack(update, context)
        return await _gone(update, context)
    patient, case = here
    services = context.services
    result = await services.console.finish_reply(case_id=case.id, patient_id=patient.id,
                                                 notify=notifier(services))
    await ack(update, context)
    if result.outcome == "empty":
        await say(update, context, "reply-empty", _done_markup(context, case.id))
        return None
    if result.outcome != "ok":
        return await _gone(update, context)
    services.outbox_wakeup.set()
    log.info("case %s: the patient answered (%s texts, %s files)", case.id, result.texts,
             result.files)
    await edit_markup(update, None)
    await services.console.set_state(name=TARGET, key=str(patient.id), state=None)
    await say(update, context, "reply-done", number=case.number or "")
    return await context.nav.go("menu", update, context)


# -- files --------------------------------------------------------------------------------------

async def _store_file(context: BotContext, message: Message, patient: PatientOut,
                      case: CaseOut) -> str:
    """Download, check by content, store encrypted and add to the case. The outcome names the
    patient's note: added, duplicate, too-big, refused, failed, full, or gone."""
    services = context.services
    if message.document is not None:
        file_id, unique_id = message.document.file_id, message.document.file_unique_id
        declared, name = message.document.file_size, message.document.file_name
    elif message.photo:
        largest = message.photo[-1]
        file_id, unique_id, declared, name = (largest.file_id, largest.file_unique_id,
                                              largest.file_size, None)
    else:
        return "refused"
    if declared is not None and declared > MAX_DOWNLOAD_BYTES:
        return "too-big"
    try:
        data = await services.files.fetch(context.bot, file_id)
    except FileTooBig:
        return "too-big"
    except DownloadFailed as exc:
        log.warning("reply download failed for case %s: %s", case.id, exc)
        return "failed"
    verdict = judge(data, name)
    if verdict.kind is None or verdict.mime is None:
        return "refused"
    digest = await asyncio.to_thread(sha256_hex, data)
    if await services.cases.find_record(case_id=case.id, sha256=digest) is not None:
        return "duplicate"
    today = _today(context, patient)
    found = await asyncio.to_thread(extract_date, data, verdict.kind, today=today)
    sealed = await services.record_store.put(data, sha256=digest)
    del data
    result = await services.console.add_reply_record(
        case_id=case.id, patient_id=patient.id, mime=verdict.mime, size=sealed.size,
        sha256=sealed.sha256, blob_name=sealed.blob_name, wrapped_key=sealed.wrapped_key,
        key_id=sealed.key_id, record_date=found or today,
        date_source=confirmed_source(verdict.mime) if found else RECEIVED,
        file_unique_id=unique_id)
    if result.outcome != "added":
        await services.record_store.delete(sealed.blob_name)
    return result.outcome


def _today(context: BotContext, patient: PatientOut) -> date:
    name = patient.timezone or context.services.settings.DEFAULT_TIMEZONE
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(context.services.settings.DEFAULT_TIMEZONE)
    return context.services.clock.now().astimezone(zone).date()


# -- assembly -----------------------------------------------------------------------------------

def build_case_reply_conversation() -> Flow:
    fresh = filters.UpdateType.MESSAGE
    return Flow(
        name="case_reply",
        states={ReplyState.WRITING: [
            CallbackQueryHandler(on_writing_done, pattern=pattern(FEATURE, "done")),
            MessageHandler(fresh & (filters.Document.ALL | filters.PHOTO), on_writing_file),
            MessageHandler(fresh & filters.TEXT & ~filters.COMMAND, on_writing_text),
        ]},
        prompts={ReplyState.WRITING: prompt_writing},
        entries={"case_reply": enter_reply},
    )
