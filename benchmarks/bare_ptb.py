"""A bare python-telegram-bot application: the framework's ceiling on this machine.

The same framework, the same HTTP client and the same emulator as the bot, with none of the
bot's work: no database, no persistence, no texts catalog, no pipeline. A three-step
conversation per chat: ``/start`` → a button → a typed name → done. Run as its own process
(``python -m benchmarks.bare_ptb``) with ``BOT_TOKEN``, ``BOT_API_URL`` and ``BOT_API_FILE_URL``
in the environment; it polls until SIGTERM.

Like the bot, it runs updates of different chats concurrently and those of one chat in order
(a quick person's next update must not overtake the conversation's state change).
"""

from __future__ import annotations

import asyncio
import html
import os
from collections.abc import Awaitable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    Defaults,
    MessageHandler,
    filters,
)

READY, NAME = range(2)


class PerChat(BaseUpdateProcessor):
    def __init__(self) -> None:
        super().__init__(256)
        self._locks: dict[int, asyncio.Lock] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        key = chat.id if chat is not None else 0
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


async def start(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> int:
    if update.message is not None:
        await update.message.reply_text(
            "Hello! Shall we begin?",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Yes",
                                                                     callback_data="bare:go")]]))
    return READY


async def go(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    if query is not None:
        await query.answer()
        await query.edit_message_text("What is your name?")
    return NAME


async def name(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> int:
    if update.message is not None:
        await update.message.reply_text(f"Thanks, <b>{html.escape(update.message.text or '')}"
                                        "</b>. Done.")
    return ConversationHandler.END


def main() -> None:
    application = (
        ApplicationBuilder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(os.environ["BOT_API_URL"])
        .base_file_url(os.environ["BOT_API_FILE_URL"])
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(PerChat())
        .build()
    )
    application.add_handler(ConversationHandler(
        entry_points=[CommandHandler("start", start)],
        states={READY: [CallbackQueryHandler(go, pattern="^bare:go$")],
                NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, name)]},
        fallbacks=[CommandHandler("start", start)],
        allow_reentry=True,
    ))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
