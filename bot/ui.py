"""Small helpers handlers use to talk: reply in the current chat, answer a button press, and
queue a message through the outbox. Expected Telegram errors are handled here, where they
happen ("message is not modified" on an edit, a button pressed twice)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest

from bot.context import BotContext

log = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


async def reply(update: Update, context: BotContext, text: str,
                markup: Markup | None = None) -> Message | None:
    chat = update.effective_chat
    if chat is None:
        return None
    return await context.bot.send_message(chat.id, text, reply_markup=markup)


async def say(update: Update, context: BotContext, key: str, markup: Markup | None = None,
              **values: Any) -> Message | None:
    return await reply(update, context, context.t(key, **values), markup)


async def ack(update: Update, context: BotContext, key: str | None = None,
              *, alert: bool = False, **values: Any) -> None:
    """Answer a button press (so the client stops its spinner), optionally with a notice."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(context.t(key, **values) if key else None, show_alert=alert)
    except BadRequest as exc:  # too old to answer: harmless
        log.debug("callback answer refused: %s", exc.message)


async def edit_or_send(update: Update, context: BotContext, text: str,
                       markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the pressed message's text and buttons in place; send anew if it can't be."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message) and query.message.text:
        try:
            await query.message.edit_text(text, reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in exc.message:
                return
            log.debug("edit refused (%s); sending a new message", exc.message)
    await reply(update, context, text, markup)


async def edit_markup(update: Update, markup: InlineKeyboardMarkup | None) -> None:
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    try:
        await query.message.edit_reply_markup(markup)
    except BadRequest as exc:
        if "not modified" not in exc.message:
            log.debug("markup edit refused: %s", exc.message)


def message_payload(chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
                    ) -> dict[str, Any]:
    """A sendMessage request for the outbox (JSON-serialisable)."""
    payload: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": "HTML",
                               "link_preview_options": {"is_disabled": True}}
    if markup is not None:
        payload["reply_markup"] = markup.to_dict()
    return payload
