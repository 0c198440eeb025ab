"""Commands that work in every state, and the kind answer to anything a state did not expect."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import pattern
from bot.context import BotContext
from bot.employers import code_from_payload, lookup
from bot.flow import Handlers, StateResult, Step, input_kind
from bot.ui import ack, say
from handlers.data_rights import cmd_deleteme, cmd_mydata
from handlers.menu import cb_menu_open
from handlers.status import cmd_status

log = logging.getLogger(__name__)

_FALLBACK_KEYS = {
    "text": "fallback-text",
    "file": "fallback-file",
    "sticker": "fallback-sticker",
    "voice": "fallback-voice",
    "other": "fallback-other",
    "command": "unknown-command",
}


async def cmd_start(update: Update, context: BotContext) -> StateResult:
    code = code_from_payload(context.args[0] if context.args else None)
    if code is not None:
        await _employer_code(update, context, code)
    patient = context.patient
    if patient is not None and patient.consented:
        await say(update, context, "welcome-back")
        if context.nav.has_entry("intake_resume"):
            # An unfinished case: straight back to the step the patient was on.
            resumed = await context.nav.go("intake_resume", update, context)
            if resumed is not None:
                return resumed
        return await context.nav.go("menu", update, context)
    return await context.nav.go("onboarding", update, context)


async def _employer_code(update: Update, context: BotContext, code: str) -> None:
    """A ``/start emp_<CODE>`` deep link: a known code is kept, an unknown one is not."""
    user = update.effective_user
    name = lookup(context.services.settings.DATA_DIR, code)
    if name is None or user is None or context.patient is None:
        await say(update, context, "employer-code-unknown")
        return
    context.patient = await context.services.patients.set_employer_code(
        telegram_user_id=user.id, code=code)
    await say(update, context, "employer-code-saved", code=code, name=name)


async def cmd_menu(update: Update, context: BotContext) -> StateResult:
    patient = context.patient
    if patient is None or not patient.language_chosen:
        return await context.nav.go("onboarding", update, context)
    return await context.nav.go("menu", update, context)


async def cmd_help(update: Update, context: BotContext) -> StateResult:
    await say(update, context, "help")
    return None  # stay where we are


async def cmd_cancel(update: Update, context: BotContext) -> StateResult:
    patient = context.patient
    if patient is None or not patient.language_chosen:
        return await context.nav.go("onboarding", update, context)
    await say(update, context, "cancelled")
    return await context.nav.go("menu", update, context)


async def cmd_language(update: Update, context: BotContext) -> StateResult:
    return await context.nav.go("language", update, context)


async def cmd_timezone(update: Update, context: BotContext) -> StateResult:
    return await context.nav.go("timezone", update, context)


async def cmd_privacy(update: Update, context: BotContext) -> StateResult:
    return await context.nav.go("privacy", update, context)


async def cmd_contact(update: Update, context: BotContext) -> StateResult:
    return await context.nav.go("info_help", update, context)


async def cmd_unknown(update: Update, context: BotContext) -> StateResult:
    await say(update, context, "unknown-command")
    return None


def on_unexpected(state: str) -> Step:
    """The answer for input a state's own handlers did not take: a kind note, then the step."""

    async def step(update: Update, context: BotContext) -> StateResult:
        kind = input_kind(update)
        if kind == "button":
            await ack(update, context, "fallback-button")
            await say(update, context, "fallback-button")
        else:
            await say(update, context, _FALLBACK_KEYS[kind])
        await context.nav.reprompt(state, update, context)
        return None

    return step


async def on_no_state(update: Update, context: BotContext) -> StateResult:
    """Anything from someone who is in no step at all (new, or the state was cleared)."""
    await ack(update, context)
    return await cmd_start(update, context)


def global_handlers() -> Handlers:
    """Fallbacks of the patient conversation (and entry points when there is no state)."""
    return [
        CommandHandler("start", cmd_start),
        CommandHandler("menu", cmd_menu),
        CommandHandler("help", cmd_help),
        CommandHandler("cancel", cmd_cancel),
        CommandHandler("language", cmd_language),
        CommandHandler("status", cmd_status),
        CommandHandler("timezone", cmd_timezone),
        CommandHandler("privacy", cmd_privacy),
        CommandHandler("contact", cmd_contact),
        CommandHandler("mydata", cmd_mydata),
        CommandHandler("deleteme", cmd_deleteme),
        CallbackQueryHandler(cb_menu_open, pattern=pattern("menu")),
    ]


def last_resort_handlers() -> Handlers:
    """After every other fallback: unknown commands."""
    return [MessageHandler(filters.COMMAND, cmd_unknown)]


def no_state_handlers() -> Handlers:
    return [MessageHandler(filters.ALL, on_no_state), CallbackQueryHandler(on_no_state)]
