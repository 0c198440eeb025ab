"""The emergency guard: free text that signals an emergency is answered first, at any step.

It runs in its own handler group before the flows. When `bot.emergency.detect` finds an
emergency, the patient gets the emergency message with the emergency number, the coordinators
get an alert through the outbox that names only the patient's reference (never a name, never
the message), the current step is shown again after a short "when you are safe" note, and the
update stops there: the conversation state is unchanged. The text itself is never logged and
the guard is never rate-limited. Coordinators (who may type clinical words about cases in
their own chat) are not screened.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ConversationHandler, MessageHandler, filters

from bot.alerts import coordinator_alert, send_later
from bot.context import BotContext
from bot.emergency import detect
from bot.ui import say

log = logging.getLogger(__name__)


def _current_state(conversation: ConversationHandler[Any], update: Update) -> str | None:
    # PTB keeps the live states here (loaded from and written through to the database).
    state = conversation._conversations.get(conversation._get_key(update))
    return state if isinstance(state, str) else None


def build_guard(conversation: ConversationHandler[Any]) -> MessageHandler[BotContext, None]:
    async def on_emergency_words(update: Update, context: BotContext) -> None:
        message, chat = update.effective_message, update.effective_chat
        user = update.effective_user
        if message is None or chat is None or user is None or chat.type != ChatType.PRIVATE:
            return
        if context.services.is_coordinator(user.id):
            return
        text = message.text or message.caption or ""
        if text.startswith("/") or detect(text) is None:
            return
        await say(update, context, "guard-emergency")
        await _alert_coordinators(context)
        state = _current_state(conversation, update)
        if state is not None and context.nav.has_prompt(state):
            await say(update, context, "guard-continue")
            await context.nav.reprompt(state, update, context)
        raise ApplicationHandlerStop

    return MessageHandler((filters.TEXT | filters.CAPTION) & filters.ChatType.PRIVATE,
                          on_emergency_words)


async def _alert_coordinators(context: BotContext) -> None:
    services, patient = context.services, context.patient
    if patient is None:
        return
    number = await services.patients.case_number(patient_id=patient.id)
    if number:
        items = coordinator_alert(services, "guard-alert-case", case_number=number)
    else:
        items = coordinator_alert(services, "guard-alert-patient", patient_id=str(patient.id))
    await send_later(services, items)
    log.info("emergency words from patient %s; coordinators alerted", patient.id)
