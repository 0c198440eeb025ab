"""Coordinators answer the patients' follow-up questions about their reports.

When a patient asks (up to three questions a report, `conversations/report.py`), the group gets
the console's alert without the question (`followup_question_alert`) plus an "Answer" button;
the coordinator holding the case also gets the question in their private chat, and the case
card shows it. "Answer" (``fu:answer:<case id>``, from the group, the private chat or the card)
asks the presser, in their private chat, to type the answer; the typed answer is kept with the
question marked answered and the patient's message queued, in one transaction. A question is
answered once: a second coordinator is told it already was.

What the presser is answering is kept in the database (``conversation_states``, name
``co_followup``, key the coordinator's id, state ``<case id>:<question id>``), so it survives a
restart. These handlers run in their own group after the console's (whose input handler lets a
message through when the console waits for nothing); only users in COORDINATOR_IDS get through.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.alerts import coordinator_targets
from bot.callbacks import cb, pattern
from bot.context import BotContext
from bot.keyboards import inline
from bot.report_pages import answer_notice
from bot.services import Services
from bot.ui import ack, edit_markup, message_payload, say
from handlers.coordinator.actions import AWAIT as CONSOLE_AWAIT
from handlers.coordinator.actions import _coordinator, _send_private
from handlers.coordinator.alerts import FEATURE as CONSOLE
from handlers.coordinator.alerts import followup_question_alert
from handlers.coordinator.present import MAX_PLACEABLE, clip, escaped_length
from handlers.coordinator.views import case_markup
from handlers.staff import coordinator_press, in_private
from storage.console import MessageOut
from storage.reports import MAX_ANSWER_CHARS, Delivered
from storage.repositories import Outgoing
from storage.schemas import CaseOut

log = logging.getLogger(__name__)

FEATURE = "fu"
AWAIT = "co_followup"
#: How much of a question a message quotes (the card and the download have it whole).
QUOTE = 1000


def answer_markup(services: Services, case_id: int, lang: str | None = None
                  ) -> InlineKeyboardMarkup:
    render, lang = services.texts.render, lang or services.settings.DEFAULT_LANGUAGE
    return inline([[(render(lang, "btn-fu-answer"), cb(FEATURE, "answer", case_id))],
                   [(render(lang, "btn-co-open"), cb(CONSOLE, "open", case_id))]])


def cancel_markup(services: Services, lang: str) -> InlineKeyboardMarkup:
    return inline([[(services.texts.render(lang, "btn-fu-cancel"), cb(FEATURE, "cancel"))]])


def followup_alerts(services: Services, case: CaseOut, question: MessageOut) -> list[Outgoing]:
    """The group's alert (no question text) with an Answer button, and the question itself for
    the coordinator holding the case, in their private chat."""
    lang = services.settings.DEFAULT_LANGUAGE
    items = []
    for item in followup_question_alert(services, case):
        rows = list(item.payload.get("reply_markup", {}).get("inline_keyboard", []))
        rows.append([{"text": services.texts.render(lang, "btn-fu-answer"),
                      "callback_data": cb(FEATURE, "answer", case.id)}])
        items.append(Outgoing(chat_id=item.chat_id, method=item.method,
                              payload={**item.payload, "reply_markup": {
                                  "inline_keyboard": rows}}))
    holder = case.claimed_by
    if holder is not None and holder not in coordinator_targets(services):
        text = services.texts.render(lang, "fu-private-question",
                                     number=case.number or f"#{case.id}",
                                     question=clip(question.text or "", QUOTE))
        items.append(Outgoing(chat_id=holder, method="sendMessage", payload=message_payload(
            holder, text, answer_markup(services, case.id, lang))))
    return items


async def _clear(context: BotContext, user_id: int) -> None:
    await context.services.console.set_state(name=AWAIT, key=str(user_id), state=None)


# -- buttons --------------------------------------------------------------------------------------

async def cb_fu(update: Update, context: BotContext) -> None:
    """``fu:answer:<case id>`` and ``fu:cancel``, from any chat, coordinators only."""
    user, data = await coordinator_press(update, context, "fu", _coordinator)
    services = context.services
    if data.action == "cancel":
        await _clear(context, user.id)
        await ack(update, context, "fu-cancelled")
        await edit_markup(update, None)
        raise ApplicationHandlerStop
    if data.action != "answer" or data.int_id is None:
        await ack(update, context, "fallback-button")
        raise ApplicationHandlerStop
    card = await services.console.card(case_id=data.int_id)
    if card is None:
        await ack(update, context, "co-gone", alert=True)
        raise ApplicationHandlerStop
    number = card.case.number or f"#{card.case.id}"
    question = await services.reports.open_followup(case_id=card.case.id)
    if question is None:
        await ack(update, context, "fu-answer-none", alert=True, number=number)
        raise ApplicationHandlerStop
    # One thing typed at a time: the console's own wait gives way to this one.
    await services.console.set_state(name=CONSOLE_AWAIT, key=str(user.id), state=None)
    await services.console.set_state(name=AWAIT, key=str(user.id),
                                     state=f"{card.case.id}:{question.id}")
    text = context.t("fu-ask-answer", number=number, question=clip(question.text or "", QUOTE))
    if await _send_private(update, context, user, text,
                           cancel_markup(services, context.lang)):
        await ack(update, context, None if in_private(update) else "co-sent-private")
    raise ApplicationHandlerStop


# -- the typed answer -----------------------------------------------------------------------------

async def on_answer_input(update: Update, context: BotContext) -> None:
    """A coordinator's message in their private chat, when they are answering a question."""
    user, message = update.effective_user, update.effective_message
    if (user is None or message is None or not in_private(update)
            or not context.services.is_coordinator(user.id)):
        return
    services = context.services
    state = await services.console.get_state(name=AWAIT, key=str(user.id))
    if state is None:
        return
    raw_case, _, raw_question = state.partition(":")
    if not raw_case.isdigit() or not raw_question.isdigit():
        await _clear(context, user.id)
        return
    case_id, question_id = int(raw_case), int(raw_question)
    text = (message.text or "").strip()
    if not text:
        await say(update, context, "fu-answer-text-only", cancel_markup(services, context.lang))
        raise ApplicationHandlerStop
    if len(text) > MAX_ANSWER_CHARS or escaped_length(text) > MAX_PLACEABLE:
        await say(update, context, "fu-answer-too-long", cancel_markup(services, context.lang),
                  max=MAX_ANSWER_CHARS, length=len(text))
        raise ApplicationHandlerStop
    asked = await services.reports.followup_count(case_id=case_id)

    def notify(delivered: Delivered, question: MessageOut, answer: str) -> list[Outgoing]:
        return [answer_notice(services, delivered, clip(question.text or "", QUOTE), answer,
                              asked=asked)]

    result = await services.reports.answer_followup(question_id=question_id,
                                                    coordinator_id=user.id, text=text,
                                                    notify=notify)
    await _clear(context, user.id)
    case = result.case
    number = (case.number or f"#{case.id}") if case else f"#{case_id}"
    if result.outcome == "ok":
        services.outbox_wakeup.set()
        log.info("case %s: follow-up question %s answered by coordinator %s", case_id,
                 question_id, user.id)
        await say(update, context, "fu-answer-sent", case_markup(services, context.lang, case_id),
                  number=number)
    elif result.outcome == "already":
        await say(update, context, "fu-answer-already",
                  case_markup(services, context.lang, case_id), number=number)
    else:
        await say(update, context, "co-gone")
    raise ApplicationHandlerStop


async def cmd_cancel(update: Update, context: BotContext) -> None:
    """/cancel while answering; otherwise it goes on to whoever else waits for it."""
    user = update.effective_user
    if user is None or not context.services.is_coordinator(user.id):
        return
    if await context.services.console.get_state(name=AWAIT, key=str(user.id)) is None:
        return
    await _clear(context, user.id)
    await say(update, context, "fu-cancelled")
    raise ApplicationHandlerStop


def followup_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """For one handler group after the console's and before ``private_only``."""
    fresh = filters.UpdateType.MESSAGE
    return [
        CommandHandler("cancel", cmd_cancel, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(cb_fu, pattern=pattern(FEATURE)),
        MessageHandler(fresh & filters.ChatType.PRIVATE & ~filters.COMMAND, on_answer_input),
    ]
