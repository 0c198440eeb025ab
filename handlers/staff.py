"""What every coordinator-only command and button shares: who may, and where they are answered.

Coordinator actions run only for the ids in COORDINATOR_IDS; anyone else is refused kindly, and
the refusal is audited (with the action's name, never what they typed). Case details and
consoles go to the coordinator's private chat, never to the group.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardMarkup, Update, User
from telegram.constants import ChatType
from telegram.error import Forbidden
from telegram.ext import ApplicationHandlerStop

from bot.callbacks import CallbackData, parse
from bot.context import BotContext
from bot.ui import ack, say

log = logging.getLogger(__name__)


async def coordinator_or_refuse(update: Update, context: BotContext, what: str, *,
                                action: str, refused: str) -> User | None:
    """The coordinator behind this update, or None after refusing (the ``refused`` text) and
    auditing ``action`` with ``what`` was tried."""
    user = update.effective_user
    if user is not None and context.services.is_coordinator(user.id):
        return user
    who = f"user:{user.id}" if user is not None else "user:unknown"
    await context.services.audit.append(actor=who, action=action, subject=what[:64])
    log.info("%s refused: %s %s", who, action, what)
    if update.callback_query is not None:
        await ack(update, context, refused, alert=True)
    else:
        await say(update, context, refused)
    return None


Check = Callable[[Update, BotContext, str], Awaitable[User | None]]


async def coordinator_press(update: Update, context: BotContext, feature: str,
                            check: Check) -> tuple[User, CallbackData]:
    """A button press of one of ``feature``'s coordinator buttons: who pressed it and its
    parsed data. ``check`` refuses anyone else (named in the audit by what they pressed); a
    refused or malformed press ends the update here."""
    query = update.callback_query
    data = parse(query.data if query else None)
    what = f"{data.feature}:{data.action}:{data.id or ''}" if data else f"{feature}:?"
    user = await check(update, context, what)
    if user is None or data is None:
        raise ApplicationHandlerStop
    return user, data


def in_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def send_private(update: Update, context: BotContext, user: User, text: str,
                       markup: InlineKeyboardMarkup | None = None, *,
                       start_private: str) -> bool:
    """Send to the coordinator's private chat; when they never started the bot there, tell them
    where they are (the ``start_private`` text) and return False."""
    try:
        await context.bot.send_message(user.id, text, reply_markup=markup)
    except Forbidden:
        if update.callback_query is not None:
            await ack(update, context, start_private, alert=True)
        else:
            await say(update, context, start_private)
        return False
    return True
