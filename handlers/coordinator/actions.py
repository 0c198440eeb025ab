"""The coordinator console's handlers: /queue and /stats, every ``co:*`` button, and the text or
file a coordinator sends when the console waits for it (an expert, a question, a report).

They run in their own handler group before ``private_only`` and the patient conversation.
Only users in COORDINATOR_IDS get through, in any chat: anyone else (a group member, a patient
replaying or forging callback data) gets a refusal, an audit event (ids only) and nothing else.
Whatever holds clinical text (the case card, the download link, the prompts) goes to the
coordinator's private chat, never to the group. What the console waits for is kept in the
database (``conversation_states``, name ``coordinator``), so it survives a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from telegram import InlineKeyboardMarkup, Message, Update, User
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import CallbackData, pattern
from bot.context import BotContext
from bot.downloads import issue_records_link
from bot.file_fetch import DownloadFailed, FileTooBig
from bot.files import MAX_DOWNLOAD_BYTES, FileKind, judge
from bot.report_pages import prepare_report_link, report_notifier
from bot.ui import ack, edit_markup, say
from handlers.coordinator.alerts import FEATURE, notifier
from handlers.coordinator.present import (
    MAX_PLACEABLE,
    escaped_length,
    holder_label,
    status_name,
)
from handlers.coordinator.views import (
    cancel_markup,
    card_view,
    case_markup,
    close_markup,
    concordance_markup,
    queue_view,
    stats_view,
)
from handlers.staff import coordinator_or_refuse, coordinator_press, in_private, send_private
from storage.case_status import CLOSE_REASONS, CONCORDANCE, INFO_FROM, CaseStatus, can_move
from storage.console import CaseCard

log = logging.getLogger(__name__)

S = CaseStatus
#: conversation_states name for what the console waits for (key: the coordinator's user id)
AWAIT = "coordinator"
MAX_QUESTION = 1500
MAX_URL = 2000

COMMANDS = ("queue", "stats")


class Wait(StrEnum):
    EXPERT = "co.await_expert"
    INFO = "co.await_info"
    REPORT = "co.await_report"


# -- who may ------------------------------------------------------------------------------------

async def _coordinator(update: Update, context: BotContext, what: str) -> User | None:
    """The coordinator behind this update, or None after refusing and auditing."""
    return await coordinator_or_refuse(update, context, what, action="coordinator.refused",
                                       refused="co-refused")


async def _send_private(update: Update, context: BotContext, user: User, text: str,
                        markup: InlineKeyboardMarkup | None = None) -> bool:
    """Send to the coordinator's private chat; tell them (in place) when that is impossible."""
    return await send_private(update, context, user, text, markup,
                              start_private="co-start-private")


def _t(context: BotContext, key: str, **values: Any) -> str:
    return context.t(key, **values)


def _number(card: CaseCard) -> str:
    return card.case.number or f"#{card.case.id}"


async def _set_wait(context: BotContext, user: User, wait: Wait | None, case_id: int = 0
                    ) -> None:
    await context.services.console.set_state(
        name=AWAIT, key=str(user.id), state=None if wait is None else f"{wait}:{case_id}")


# -- commands -------------------------------------------------------------------------------------

async def cmd_queue(update: Update, context: BotContext) -> None:
    user = await _coordinator(update, context, "cmd:queue")
    if user is not None:
        services = context.services
        text, markup = queue_view(services, context.lang, await services.console.queue(),
                                  services.clock.now())
        if await _send_private(update, context, user, text, markup) and not in_private(update):
            await say(update, context, "co-sent-private")
    raise ApplicationHandlerStop


async def cmd_stats(update: Update, context: BotContext) -> None:
    user = await _coordinator(update, context, "cmd:stats")
    if user is not None:
        text = stats_view(context.services, context.lang, await context.services.console.stats())
        if await _send_private(update, context, user, text) and not in_private(update):
            await say(update, context, "co-sent-private")
    raise ApplicationHandlerStop


async def cmd_cancel(update: Update, context: BotContext) -> None:
    """/cancel while the console waits for input; otherwise the patient side's /cancel."""
    user = update.effective_user
    if user is None or not context.services.is_coordinator(user.id) or not in_private(update):
        return
    if await context.services.console.get_state(name=AWAIT, key=str(user.id)) is None:
        return
    await _set_wait(context, user, None)
    await say(update, context, "co-cancelled")
    raise ApplicationHandlerStop


# -- buttons --------------------------------------------------------------------------------------

Button = Callable[[Update, BotContext, User, CallbackData], Awaitable[None]]


async def cb_co(update: Update, context: BotContext) -> None:
    """Every ``co:*`` button, from any chat."""
    user, data = await coordinator_press(update, context, "co", _coordinator)
    handler = _BUTTONS.get(data.action)
    if handler is None:
        prefix = data.action.split("_", 1)[0]
        handler = _BUTTONS.get(prefix + "_") if "_" in data.action else None
    if handler is None:
        await ack(update, context, "fallback-button")
        raise ApplicationHandlerStop
    await handler(update, context, user, data)
    raise ApplicationHandlerStop


async def _card(update: Update, context: BotContext, data: CallbackData) -> CaseCard | None:
    case_id = data.int_id
    card = await context.services.console.card(case_id=case_id) if case_id else None
    if card is None:
        await ack(update, context, "co-gone", alert=True)
    return card


async def _not_allowed(update: Update, context: BotContext, card: CaseCard) -> None:
    await ack(update, context, "co-not-allowed", alert=True, number=_number(card),
              status=status_name(context.services.texts, context.lang, card.case.status))


async def send_card(update: Update, context: BotContext, user: User, case_id: int) -> bool:
    services = context.services
    card = await services.console.card(case_id=case_id)
    if card is None:
        return False
    text, markup = card_view(services, context.lang, card, services.clock.now())
    if not await _send_private(update, context, user, text, markup):
        return False
    # Every look at a case's clinical details is audited (ids only).
    await services.audit.append(actor=f"coordinator:{user.id}", action="case.viewed",
                                subject=f"case:{case_id}")
    return True


async def _b_claim(update: Update, context: BotContext, user: User, data: CallbackData) -> None:
    services = context.services
    case_id = data.int_id
    if case_id is None:
        await ack(update, context, "co-gone", alert=True)
        return
    result = await services.console.claim(case_id=case_id, coordinator_id=user.id,
                                          first_name=user.first_name,
                                          notify=notifier(services))
    case = result.case
    number = (case.number or f"#{case.id}") if case else ""
    if result.outcome == "claimed":
        services.outbox_wakeup.set()
        log.info("case %s claimed by coordinator %s", case_id, user.id)
        await ack(update, context, "co-claimed", number=number)
        await send_card(update, context, user, case_id)
    elif result.outcome == "already_yours":
        await ack(update, context, "co-claim-already-yours", number=number)
    elif result.outcome == "taken":
        await ack(update, context, "co-claim-taken", alert=True, number=number,
                  name=holder_label(services.texts, context.lang, result.holder_id,
                                    result.holder_name))
    elif result.outcome == "not_open" and case is not None:
        await ack(update, context, "co-claim-not-open", alert=True, number=number,
                  status=status_name(services.texts, context.lang, case.status))
    else:
        await ack(update, context, "co-gone", alert=True)


async def _b_open(update: Update, context: BotContext, user: User, data: CallbackData) -> None:
    card = await _card(update, context, data)
    if card is None:
        return
    if await send_card(update, context, user, card.case.id):
        await ack(update, context, None if in_private(update) else "co-sent-private")


async def _ask(update: Update, context: BotContext, user: User, card: CaseCard, wait: Wait,
               key: str) -> None:
    await _set_wait(context, user, wait, card.case.id)
    if await _send_private(update, context, user, _t(context, key, number=_number(card)),
                           cancel_markup(context.services, context.lang)):
        await ack(update, context, None if in_private(update) else "co-sent-private")


async def _b_expert(update: Update, context: BotContext, user: User, data: CallbackData) -> None:
    card = await _card(update, context, data)
    if card is None:
        return
    if card.case.status not in (S.CLAIMED, S.WITH_EXPERT):
        await _not_allowed(update, context, card)
        return
    await _ask(update, context, user, card, Wait.EXPERT, "co-ask-expert")


async def _b_info(update: Update, context: BotContext, user: User, data: CallbackData) -> None:
    card = await _card(update, context, data)
    if card is None:
        return
    if card.case.status not in INFO_FROM:
        await _not_allowed(update, context, card)
        return
    await _ask(update, context, user, card, Wait.INFO, "co-ask-info")


async def _b_report(update: Update, context: BotContext, user: User, data: CallbackData) -> None:
    card = await _card(update, context, data)
    if card is None:
        return
    if not can_move(card.case.status, S.REPORT_READY):
        await _not_allowed(update, context, card)
        return
    await _ask(update, context, user, card, Wait.REPORT, "co-ask-report")


async def _b_download(update: Update, context: BotContext, user: User, data: CallbackData
                      ) -> None:
    card = await _card(update, context, data)
    if card is None:
        return
    link = await issue_records_link(context.services, case_id=card.case.id,
                                    coordinator_id=user.id)
    log.info("download link for case %s issued to coordinator %s", card.case.id, user.id)
    if await _send_private(update, context, user,
                           _t(context, "co-download", number=_number(card), url=link.url),
                           case_markup(context.services, context.lang, card.case.id)):
        await ack(update, context, None if in_private(update) else "co-sent-private")


async def _b_close(update: Update, context: BotContext, user: User, data: CallbackData) -> None:
    card = await _card(update, context, data)
    if card is None:
        return
    if not can_move(card.case.status, S.CLOSED):
        await _not_allowed(update, context, card)
        return
    if await _send_private(update, context, user,
                           _t(context, "co-ask-close", number=_number(card)),
                           close_markup(context.services, context.lang, card.case.id)):
        await ack(update, context, None if in_private(update) else "co-sent-private")


async def _b_close_reason(update: Update, context: BotContext, user: User, data: CallbackData
                          ) -> None:
    reason = data.action.removeprefix("cr_")
    case_id = data.int_id
    if reason not in CLOSE_REASONS or case_id is None:
        await ack(update, context, "fallback-button")
        return
    services = context.services
    result = await services.console.close(case_id=case_id, coordinator_id=user.id,
                                          reason=reason, notify=notifier(services))
    if result.outcome != "ok" or result.case is None:
        card = await services.console.card(case_id=case_id)
        if card is None:
            await ack(update, context, "co-gone", alert=True)
        else:
            await _not_allowed(update, context, card)
        return
    services.outbox_wakeup.set()
    log.info("case %s closed by coordinator %s (%s)", case_id, user.id, reason)
    await ack(update, context)
    await edit_markup(update, None)
    await _send_private(update, context, user, _t(
        context, "co-closed", number=result.case.number or f"#{case_id}",
        reason=_t(context, "co-close-reason", reason=reason)),
        case_markup(services, context.lang, case_id))


async def _b_concordance(update: Update, context: BotContext, user: User, data: CallbackData
                         ) -> None:
    value = data.action.removeprefix("conc_")
    report_id = data.int_id
    if value not in CONCORDANCE or report_id is None:
        await ack(update, context, "fallback-button")
        return
    services = context.services
    # The patient's signed report link is written with the attachment and its notice.
    link = prepare_report_link(services)
    result = await services.console.finalize_report(
        report_id=report_id, coordinator_id=user.id, concordance=value,
        notify=report_notifier(services, link), link=link.new_link)
    if result.outcome == "already":
        await ack(update, context, "co-report-already")
        await edit_markup(update, None)
        return
    if result.outcome != "ok" or result.change is None:
        card = (await services.console.card(case_id=result.report.case_id)
                if result.report else None)
        if card is None:
            await ack(update, context, "co-gone", alert=True)
        else:
            await _not_allowed(update, context, card)
        return
    services.outbox_wakeup.set()
    case = result.change.case
    log.info("report %s attached to case %s (%s)", report_id, case.id, value)
    await ack(update, context)
    await edit_markup(update, None)
    await _send_private(update, context, user, _t(
        context, "co-report-done", number=case.number or f"#{case.id}",
        concordance=_t(context, "co-concordance", value=value)),
        case_markup(services, context.lang, case.id))


async def _b_queue(update: Update, context: BotContext, user: User, _data: CallbackData
                   ) -> None:
    services = context.services
    text, markup = queue_view(services, context.lang, await services.console.queue(),
                              services.clock.now())
    if await _send_private(update, context, user, text, markup):
        await ack(update, context, None if in_private(update) else "co-sent-private")


async def _b_cancel(update: Update, context: BotContext, user: User, _data: CallbackData
                    ) -> None:
    await _set_wait(context, user, None)
    await ack(update, context, "co-cancelled")
    await edit_markup(update, None)


_BUTTONS: dict[str, Button] = {
    "claim": _b_claim,
    "open": _b_open,
    "expert": _b_expert,
    "info": _b_info,
    "report": _b_report,
    "dl": _b_download,
    "close": _b_close,
    "cr_": _b_close_reason,
    "conc_": _b_concordance,
    "queue": _b_queue,
    "cancel": _b_cancel,
}


# -- input the console waits for ---------------------------------------------------------------

async def on_console_input(update: Update, context: BotContext) -> None:
    """A coordinator's message in their private chat, when the console waits for one."""
    user, message = update.effective_user, update.effective_message
    if (user is None or message is None or not in_private(update)
            or not context.services.is_coordinator(user.id)):
        return
    state = await context.services.console.get_state(name=AWAIT, key=str(user.id))
    if state is None:
        return
    wait, _, raw_id = state.partition(":")
    card = (await context.services.console.card(case_id=int(raw_id))
            if raw_id.isdigit() else None)
    if card is None:
        await _set_wait(context, user, None)
        await say(update, context, "co-gone")
        raise ApplicationHandlerStop
    if wait == Wait.EXPERT:
        await _typed_expert(update, context, user, message, card)
    elif wait == Wait.INFO:
        await _typed_question(update, context, user, message, card)
    elif wait == Wait.REPORT:
        await _sent_report(update, context, user, message, card)
    else:
        await _set_wait(context, user, None)
    raise ApplicationHandlerStop


async def _typed_expert(update: Update, context: BotContext, user: User, message: Message,
                        card: CaseCard) -> None:
    name, sep, specialty = (message.text or "").partition(";")
    name, specialty = " ".join(name.split()), " ".join(specialty.split())
    if not sep or not name or not specialty or len(name) > 200 or len(specialty) > 64:
        await say(update, context, "co-expert-bad",
                  cancel_markup(context.services, context.lang))
        return
    services = context.services
    was = card.case.status
    result = await services.console.assign_expert(case_id=card.case.id, coordinator_id=user.id,
                                                  name=name, specialty=specialty,
                                                  notify=notifier(services))
    await _set_wait(context, user, None)
    if result.outcome != "ok":
        await say(update, context, "co-not-allowed", number=_number(card),
                  status=status_name(services.texts, context.lang,
                                     result.case.status if result.case else card.case.status))
        return
    services.outbox_wakeup.set()
    log.info("case %s: expert assigned by coordinator %s", card.case.id, user.id)
    key = "co-expert-replaced" if was == S.WITH_EXPERT else "co-expert-done"
    await say(update, context, key, case_markup(services, context.lang, card.case.id),
              number=_number(card), name=name, specialty=specialty)


async def _typed_question(update: Update, context: BotContext, user: User, message: Message,
                          card: CaseCard) -> None:
    question = (message.text or "").strip()
    if not question:
        await say(update, context, "co-ask-info", cancel_markup(context.services, context.lang),
                  number=_number(card))
        return
    if len(question) > MAX_QUESTION or escaped_length(question) > MAX_PLACEABLE:
        await say(update, context, "co-info-too-long", max=MAX_QUESTION, length=len(question))
        return
    services = context.services
    result = await services.console.request_info(case_id=card.case.id, coordinator_id=user.id,
                                                 question=question, notify=notifier(services))
    await _set_wait(context, user, None)
    if result.outcome != "ok":
        await say(update, context, "co-not-allowed", number=_number(card),
                  status=status_name(services.texts, context.lang,
                                     result.case.status if result.case else card.case.status))
        return
    services.outbox_wakeup.set()
    log.info("case %s: information requested by coordinator %s", card.case.id, user.id)
    await say(update, context, "co-info-done", case_markup(services, context.lang, card.case.id),
              number=_number(card))


def https_url(text: str) -> str | None:
    value = text.strip()
    if not value or len(value) > MAX_URL or any(ch.isspace() for ch in value):
        return None
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        return None
    return value


async def _sent_report(update: Update, context: BotContext, user: User, message: Message,
                       card: CaseCard) -> None:
    services = context.services
    again = cancel_markup(services, context.lang)
    if message.document is None:
        url = https_url(message.text or "")
        if url is None:
            await say(update, context, "co-report-bad", again)
            return
        staged = await services.console.stage_report(case_id=card.case.id,
                                                      coordinator_id=user.id, url=url)
    else:
        data = await _download(update, context, message)
        if data is None:
            return
        verdict = judge(data, message.document.file_name)
        if verdict.kind is not FileKind.PDF:
            await say(update, context, "co-report-not-pdf", again)
            return
        sealed = await services.record_store.put(data)
        del data
        staged = await services.console.stage_report(
            case_id=card.case.id, coordinator_id=user.id, blob_name=sealed.blob_name,
            wrapped_key=sealed.wrapped_key, key_id=sealed.key_id, sha256=sealed.sha256)
        if staged.outcome != "ok":
            await services.record_store.delete(sealed.blob_name)
    await _set_wait(context, user, None)
    for blob in staged.replaced_blobs:
        await services.record_store.delete(blob)
    if staged.outcome != "ok" or staged.report is None:
        fresh = await services.console.card(case_id=card.case.id)
        await say(update, context, "co-not-allowed", number=_number(card),
                  status=status_name(services.texts, context.lang,
                                     (fresh or card).case.status))
        return
    log.info("case %s: report uploaded by coordinator %s", card.case.id, user.id)
    await say(update, context, "co-ask-concordance",
              concordance_markup(services, context.lang, staged.report.id),
              number=_number(card))


async def _download(update: Update, context: BotContext, message: Message
                    ) -> memoryview | None:
    document = message.document
    if document is None:
        return None
    again = cancel_markup(context.services, context.lang)
    if document.file_size is not None and document.file_size > MAX_DOWNLOAD_BYTES:
        await say(update, context, "co-report-too-big", again)
        return None
    try:
        return await context.services.files.fetch(context.bot, document.file_id)
    except FileTooBig:
        await say(update, context, "co-report-too-big", again)
    except DownloadFailed as exc:
        log.warning("report download failed: %s", exc)
        await say(update, context, "co-report-failed", again)
    return None


# -- assembly ---------------------------------------------------------------------------------

def coordinator_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """The console's handlers, for one handler group before ``private_only``."""
    fresh = filters.UpdateType.MESSAGE
    return [
        CommandHandler("queue", cmd_queue),
        CommandHandler("stats", cmd_stats),
        CommandHandler("cancel", cmd_cancel, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(cb_co, pattern=pattern(FEATURE)),
        MessageHandler(fresh & filters.ChatType.PRIVATE & ~filters.COMMAND, on_console_input),
    ]
