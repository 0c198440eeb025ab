"""How flows plug into the one persistent patient conversation.

Each flow module exposes ``build_<flow>_conversation() -> Flow``: its states (a StrEnum with
values like ``"intake.records"``), the handlers of each state, a prompt per state that shows the
step again, and named entries other flows can jump to through the `Navigator` (flows never import
each other). The composition root merges every flow into one ConversationHandler and adds, to
every state, catch-alls so that any input (text, file, sticker, voice, an old button) gets a kind
answer and the step shown again: no dead ends, no silence.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.callbacks import pattern
from bot.context import BotContext
from bot.reminders import ReminderHandler

StateResult = str | int | None
Step = Callable[[Update, BotContext], Coroutine[Any, Any, StateResult]]
Prompt = Callable[[Update, BotContext], Awaitable[None]]
Handlers = list[BaseHandler[Update, BotContext, Any]]

# Callback features that work from any state (they are fallbacks of the conversation).
GLOBAL_FEATURES = ("menu", "nav")
# A state's catch-all takes every button but the well-formed global ones (a malformed
# "menu:..." matches no fallback either, and must still get an answer).
_GLOBAL = "|".join(pattern(feature).pattern.removeprefix("^") for feature in GLOBAL_FEATURES)
_NOT_GLOBAL = re.compile(rf"^(?!(?:{_GLOBAL}))")


@dataclass
class Flow:
    name: str
    states: dict[str, Handlers]
    prompts: dict[str, Prompt]
    entries: dict[str, Step] = field(default_factory=dict)
    reminders: dict[str, ReminderHandler] = field(default_factory=dict)


class Navigator:
    """Named entry points of every flow: ``await context.nav.go("intake", update, context)``."""

    def __init__(self) -> None:
        self._entries: dict[str, Step] = {}
        self._prompts: dict[str, Prompt] = {}

    def add(self, flow: Flow) -> None:
        for name, entry in flow.entries.items():
            if name in self._entries:
                raise ValueError(f"entry {name!r} is defined twice")
            self._entries[name] = entry
        self._prompts.update(flow.prompts)

    async def go(self, name: str, update: Update, context: BotContext) -> StateResult:
        return await self._entries[name](update, context)

    async def reprompt(self, state: str, update: Update, context: BotContext) -> None:
        prompt = self._prompts.get(state)
        if prompt is not None:
            await prompt(update, context)

    def has_entry(self, name: str) -> bool:
        return name in self._entries

    def has_prompt(self, state: str) -> bool:
        return state in self._prompts


def input_kind(update: Update) -> str:
    """What kind of input this is, for the kind answer: text, command, file, sticker, ..."""
    if update.callback_query is not None:
        return "button"
    message = update.effective_message
    if message is None:
        return "other"
    if message.text is not None:
        return "command" if message.text.startswith("/") else "text"
    if message.document is not None or message.photo:
        return "file"
    if message.sticker is not None:
        return "sticker"
    if message.voice is not None or message.audio is not None or message.video_note is not None:
        return "voice"
    return "other"


def catch_alls(state: str, on_unexpected: Callable[[str], Step]) -> Handlers:
    """Handlers appended to a state: anything its own handlers did not take."""
    step = on_unexpected(state)
    return [
        MessageHandler(filters.ALL & ~filters.COMMAND, step),
        CallbackQueryHandler(step, pattern=_NOT_GLOBAL),
    ]
