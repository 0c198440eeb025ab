"""What every update goes through before and after the flows: one effect per update, who is
talking, private chats only, persistence written through, and errors answered kindly."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.emergency import is_emergency
from bot.flow import input_kind
from bot.texts import pick_language
from bot.ui import ack, say

log = logging.getLogger(__name__)


async def limit_rate(update: Update, context: BotContext) -> None:
    """Group -110: one patient's flood is answered once and dropped, before any database work."""
    user = update.effective_user
    if user is None or update.callback_query is not None:
        return  # button presses are answered by a spinner, not a message: never a flood
    if context.services.is_coordinator(user.id):
        return
    message = update.effective_message
    verdict = context.services.rate_limiter.check(
        user.id, message.media_group_id if message is not None else None)
    if verdict == "ok":
        return
    if message is not None and is_emergency(message.text or message.caption):
        return  # never drop someone describing an emergency
    log.info("update %s dropped: user is over the rate limit", update.update_id)
    if verdict == "warn":
        await ack(update, context)
        existing = await context.services.patients.get(telegram_user_id=user.id)
        context.lang = existing.language if existing else pick_language(
            user.language_code, context.services.settings.DEFAULT_LANGUAGE)
        await say(update, context, "slow-down")
    raise ApplicationHandlerStop


async def record_and_identify(update: Update, context: BotContext) -> None:
    """Group -100, one transaction: record the update id before any effect (a redelivered
    update stops here), and find who is talking: the patient behind a private chat (created on
    first contact), only looked up elsewhere; and their language."""
    log.debug("update %s: %s", update.update_id, input_kind(update))
    user, chat = update.effective_user, update.effective_chat
    private = user is not None and chat is not None and chat.type == ChatType.PRIVATE
    if user is not None:
        # Also the language of the apology if the database fails here.
        context.lang = pick_language(user.language_code,
                                     context.services.settings.DEFAULT_LANGUAGE)
    arrival = await context.services.updates.record_and_identify(
        update_id=update.update_id,
        telegram_user_id=user.id if user is not None else None,
        private_chat_id=chat.id if private and chat is not None else None,
        language=context.lang)
    if not arrival.fresh:
        log.info("update %s was already processed; ignored", update.update_id)
        raise ApplicationHandlerStop
    if user is None:
        raise ApplicationHandlerStop
    if private:
        context.patient = arrival.patient
    if arrival.patient is not None:
        context.lang = arrival.patient.language


async def private_only(update: Update, context: BotContext) -> None:
    """Group -70: outside private chats the patient flows never run."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    if update.callback_query is not None:
        await ack(update, context, "group-private-only")
    elif update.effective_message is not None and (update.effective_message.text or ""
                                                   ).startswith("/"):
        await say(update, context, "group-private-only")
    raise ApplicationHandlerStop


async def flush_persistence(update: Update, context: BotContext) -> None:
    """Last group: write the conversation state through, right after the update's step."""
    await context.application.update_persistence()


async def on_error(update: object, context: BotContext) -> None:
    """Log ids and the error type only (never user_data or message text), then apologise."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed: %s", update_id, type(context.error).__name__,
              exc_info=context.error)
    if not isinstance(update, Update):
        return  # a job's or the persistence's error: nobody to answer
    if update.effective_chat is not None:
        try:
            await ack(update, context)
            await say(update, context, "error-generic")
        except Exception:  # the error may be Telegram itself being away
            log.warning("could not tell update %s about the error", update_id)
    # The update ends here: PTB would otherwise go on to the next handler groups, with a
    # context half filled in (after a database failure in the pipeline: no patient, taken for
    # a new one) and a second apology if they fail too.
    raise ApplicationHandlerStop
