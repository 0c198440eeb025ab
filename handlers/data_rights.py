"""Data rights: /mydata (a copy of everything we keep, behind a signed link) and /deleteme
(erase everything, after two explicit confirmations).

/mydata works from any step and keeps the step: it issues a 30-minute link (purpose ``export``,
bound to the patient) to the zip built by `bot.export`. /deleteme is a small flow of two states:
``rights.confirm`` (what will be deleted; continue, get a copy first, or keep) and
``rights.final`` ("Yes, delete everything"). The erase button works only in the second state,
so an old or forged ``rights:erase`` pressed anywhere else is just an old button: nothing is
deleted without both steps. Erasing deletes every row that is the patient's, the messages
queued to them and their conversation states in one transaction (`storage.erasure`), tells the
coordinators the number of each open case (no personal data), then removes the encrypted files
and, on SQLite, checkpoints the write-ahead log. The conversation ends: whatever the person
sends next starts afresh. Entry: ``deleteme``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from enum import StrEnum

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, ConversationHandler

from bot.alerts import coordinator_alert
from bot.callbacks import cb, pattern
from bot.context import BotContext
from bot.export import TTL, issue_export_link
from bot.flow import Flow, StateResult
from bot.keyboards import inline
from bot.persistence import forget_stored_states
from bot.services import Services
from bot.ui import ack, edit_markup, say
from storage.case_status import OPEN
from storage.erasure import conversation_keys
from storage.records import RecordStoreError
from storage.repositories import Outgoing
from storage.schemas import CaseOut

log = logging.getLogger(__name__)

FEATURE = "rights"


class RightsState(StrEnum):
    CONFIRM = "rights.confirm"
    FINAL = "rights.final"


# -- /mydata ------------------------------------------------------------------------------------

async def cmd_mydata(update: Update, context: BotContext) -> StateResult:
    """A link to the export; the step the patient was on stays."""
    await send_export_link(update, context)
    return None


async def send_export_link(update: Update, context: BotContext) -> None:
    patient = context.patient
    if patient is None:
        return
    link = await issue_export_link(context.services, patient_id=patient.id)
    log.info("data export link issued to patient %s", patient.id)
    await say(update, context, "rights-export-ready", url=link.url,
              minutes=int(TTL.total_seconds() // 60))


# -- /deleteme ----------------------------------------------------------------------------------

async def cmd_deleteme(update: Update, context: BotContext) -> StateResult:
    return await context.nav.go("deleteme", update, context)


async def enter_deleteme(update: Update, context: BotContext) -> StateResult:
    await ack(update, context)
    await prompt_confirm(update, context)
    return RightsState.CONFIRM


def _keep_row(context: BotContext) -> list[tuple[str, str]]:
    return [(context.t("btn-rights-keep"), cb(FEATURE, "keep"))]


async def prompt_confirm(update: Update, context: BotContext) -> None:
    text = context.t("rights-delete-ask")
    patient = context.patient
    if patient is not None:
        summaries = await context.services.cases.patient_cases(patient_id=patient.id, limit=50)
        numbers = [s.case.number for s in summaries if s.case.status in OPEN and s.case.number]
        if numbers:
            text += "\n\n" + context.t("rights-delete-open", numbers=", ".join(numbers))
    markup = inline([[(context.t("btn-rights-continue"), cb(FEATURE, "go"))],
                     [(context.t("btn-rights-copy"), cb(FEATURE, "copy"))],
                     _keep_row(context)])
    await _send(update, context, text, markup)


async def prompt_final(update: Update, context: BotContext) -> None:
    markup = inline([[(context.t("btn-rights-erase"), cb(FEATURE, "erase"))],
                     _keep_row(context)])
    await _send(update, context, context.t("rights-delete-final"), markup)


async def _send(update: Update, context: BotContext, text: str,
                markup: InlineKeyboardMarkup) -> None:
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text, reply_markup=markup)


async def on_confirm_go(update: Update, context: BotContext) -> StateResult:
    await ack(update, context)
    await edit_markup(update, None)
    await prompt_final(update, context)
    return RightsState.FINAL


async def on_confirm_copy(update: Update, context: BotContext) -> StateResult:
    await ack(update, context)
    await send_export_link(update, context)
    await prompt_confirm(update, context)
    return None


async def on_keep(update: Update, context: BotContext) -> StateResult:
    await ack(update, context)
    await edit_markup(update, None)
    await say(update, context, "rights-kept")
    return await context.nav.go("menu", update, context)


def withdrawn_alert(services: Services, case: CaseOut) -> Sequence[Outgoing]:
    """The coordinators' notice for an open case of an erased patient: its number only, and no
    buttons (there is nothing left to open)."""
    return coordinator_alert(services, "rights-alert-withdrawn", number=case.number or "")


async def on_final_erase(update: Update, context: BotContext) -> StateResult:
    await ack(update, context)
    patient = context.patient
    if patient is None:
        return ConversationHandler.END
    services = context.services
    erasure_id = secrets.token_hex(8)
    result = await services.erasure.erase(
        patient_id=patient.id, erasure_id=erasure_id,
        notify=lambda case: withdrawn_alert(services, case))
    await edit_markup(update, None)
    if result is None:
        await say(update, context, "rights-erased-already")
        return ConversationHandler.END
    # The erasure deleted the conversation states in the database: the persistence must not
    # take a state it wrote before for one that is still there.
    forget_stored_states(context.application, conversation_keys(patient))
    context.patient = None
    services.outbox_wakeup.set()
    failed = 0
    for blob in result.blob_names:
        try:
            await services.record_store.delete(blob)
        except (OSError, RecordStoreError):  # its key is gone with the rows: unreadable anyway
            failed += 1
    await services.erasure.compact()
    # Ids only: the erasure id and counts (never the patient's id or Telegram id with it).
    log.info("erasure %s done: %d files deleted (%d failed), %d open cases withdrawn",
             erasure_id, len(result.blob_names) - failed, failed, len(result.withdrawn))
    await say(update, context, "rights-erased", reference=erasure_id)
    return ConversationHandler.END


# -- assembly -------------------------------------------------------------------------------------

def build_data_rights_conversation() -> Flow:
    keep = CallbackQueryHandler(on_keep, pattern=pattern(FEATURE, "keep"))
    return Flow(
        name="data_rights",
        states={
            RightsState.CONFIRM: [
                CallbackQueryHandler(on_confirm_go, pattern=pattern(FEATURE, "go")),
                CallbackQueryHandler(on_confirm_copy, pattern=pattern(FEATURE, "copy")),
                keep,
            ],
            RightsState.FINAL: [
                CallbackQueryHandler(on_final_erase, pattern=pattern(FEATURE, "erase")),
                keep,
            ],
        },
        prompts={RightsState.CONFIRM: prompt_confirm, RightsState.FINAL: prompt_final},
        entries={"deleteme": enter_deleteme},
    )
