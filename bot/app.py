"""The composition root: builds the Application (no network), registers every handler in one
visible order, and attaches the services."""

from __future__ import annotations

import warnings
from typing import Any

from telegram import BotCommand, BotCommandScopeAllPrivateChats, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    ConversationHandler,
    Defaults,
    TypeHandler,
)
from telegram.warnings import PTBUserWarning

from bot.callbacks import parse, pattern
from bot.context import NAV_KEY, SERVICES_KEY, BotContext
from bot.delivery import Defer, PersistentRequest
from bot.flow import Flow, Handlers, Navigator, StateResult, catch_alls
from bot.http import AiohttpRequest
from bot.persistence import DatabasePersistence
from bot.processing import PerChatUpdateProcessor
from bot.services import Services
from conversations.booking import build_booking_conversation
from conversations.case_reply import build_case_reply_conversation
from conversations.guidance import build_guidance_conversation
from conversations.intake import build_intake_conversation
from conversations.onboarding import build_onboarding_conversation
from conversations.report import build_report_conversation
from conversations.settings import build_settings_conversation
from handlers import commands, pipeline
from handlers.booking_admin import booking_admin_handlers
from handlers.coordinator.actions import coordinator_handlers
from handlers.coordinator.followup import followup_handlers
from handlers.data_rights import build_data_rights_conversation
from handlers.emergency import build_guard
from handlers.info import build_info_conversation
from handlers.menu import build_menu_conversation
from handlers.status import build_status_flow

BotApp = Application[Any, BotContext, Any, Any, Any, Any]

PATIENT_CONVERSATION = "patient"

# Commands shown in Telegram's menu, per language (descriptions come from the catalogs).
COMMANDS = ("start", "menu", "help", "cancel", "status", "language", "timezone", "privacy",
            "mydata", "deleteme", "contact")

# Handler groups, in the order every update meets them.
GROUP_RATE = -110       # one patient's flood is answered once and dropped
GROUP_DEDUP = -100      # record the update id (a redelivered update stops here), and who is
                        # talking, in which language: one transaction
GROUP_COORDINATOR = -80  # the coordinator console (/queue, /stats, co:* buttons, its input)
GROUP_FOLLOWUP = -78    # coordinators answering follow-up questions (fu:* buttons, the answer)
GROUP_BOOKING_ADMIN = -75  # consultation slots (/publish, /slots, /agenda, /offer, bka:*)
GROUP_PRIVATE = -70     # outside private chats the patient flows never run
GROUP_GUARD = -50       # emergency words: answered first, the step kept
GROUP_FLOWS = 0         # the patient conversation
GROUP_PERSIST = 100     # write the conversation state through


def flows() -> list[Flow]:
    return [build_onboarding_conversation(), build_menu_conversation(),
            build_guidance_conversation(), build_settings_conversation(),
            build_info_conversation(), build_intake_conversation(), build_status_flow(),
            build_case_reply_conversation(), build_booking_conversation(),
            build_data_rights_conversation(), build_report_conversation()]


async def on_nav_button(update: Update, context: BotContext) -> StateResult:
    """``nav:<entry>[:<id>]``: a button that jumps to a flow's entry from any step (e.g. the
    "Reply" of a message the outbox sent); the entry re-checks everything itself."""
    data = parse(update.callback_query.data if update.callback_query else None)
    if data is None or not context.nav.has_entry(data.action):
        if update.callback_query is not None:
            await update.callback_query.answer()
        return await context.nav.go("menu", update, context)
    return await context.nav.go(data.action, update, context)


def nav_handlers() -> Handlers:
    return [CallbackQueryHandler(on_nav_button, pattern=pattern("nav"))]


def build_patient_conversation(all_flows: list[Flow], nav: Navigator
                               ) -> ConversationHandler[BotContext]:
    states: dict[object, Handlers] = {}
    for flow in all_flows:
        nav.add(flow)
        for state, handlers in flow.states.items():
            states[state] = [*handlers, *catch_alls(state, commands.on_unexpected)]
    fallbacks = [*commands.global_handlers(), *nav_handlers(),
                 *commands.last_resort_handlers()]
    with warnings.catch_warnings():
        # per_message=False is intended: one conversation per private chat, buttons included.
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[*commands.global_handlers(), *nav_handlers(),
                          *commands.no_state_handlers()],
            states=states,
            fallbacks=fallbacks,
            name=PATIENT_CONVERSATION,
            persistent=True,
            allow_reentry=False,  # entry points include catch-alls; /start is a fallback too
        )


def _defer_to_outbox(services: Services) -> Defer:
    async def defer(chat_id: int, payload: dict[str, Any]) -> None:
        await services.outbox.enqueue(chat_id=chat_id, method="sendMessage", payload=payload)

    return defer


def build_application(services: Services, *, polling: bool = True) -> BotApp:
    settings = services.settings
    token = settings.BOT_TOKEN or ""
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.BOT_API_URL)
        .base_file_url(settings.BOT_API_FILE_URL)
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .persistence(DatabasePersistence(services.conversations))
        .concurrent_updates(PerChatUpdateProcessor())
        # Replies: short outages retried, longer ones delivered later by the outbox.
        .request(PersistentRequest(
            AiohttpRequest(connect_timeout=10, read_timeout=20, write_timeout=30),
            defer=_defer_to_outbox(services)))
        # getUpdates: one connection, as in PTB (which adds the long poll's time to the read).
        .get_updates_request(AiohttpRequest(1, read_timeout=35))
    )
    if not polling:
        builder = builder.updater(None)
    application: BotApp = builder.build()
    application.bot_data[SERVICES_KEY] = services
    nav = Navigator()
    application.bot_data[NAV_KEY] = nav

    # The order every update meets, top to bottom.
    application.add_handler(TypeHandler(Update, pipeline.limit_rate), group=GROUP_RATE)
    application.add_handler(TypeHandler(Update, pipeline.record_and_identify),
                            group=GROUP_DEDUP)
    for handler in coordinator_handlers():
        application.add_handler(handler, group=GROUP_COORDINATOR)
    # Own groups: the console's input handler takes every coordinator message in its group
    # and lets it through only when the console waits for nothing.
    for handler in followup_handlers():
        application.add_handler(handler, group=GROUP_FOLLOWUP)
    for handler in booking_admin_handlers():
        application.add_handler(handler, group=GROUP_BOOKING_ADMIN)
    application.add_handler(TypeHandler(Update, pipeline.private_only), group=GROUP_PRIVATE)
    conversation = build_patient_conversation(flows(), nav)
    application.add_handler(build_guard(conversation), group=GROUP_GUARD)
    application.add_handler(conversation, group=GROUP_FLOWS)
    application.add_handler(TypeHandler(Update, pipeline.flush_persistence),
                            group=GROUP_PERSIST)
    application.add_error_handler(pipeline.on_error)
    return application


async def register_commands(application: BotApp) -> None:
    """setMyCommands for every language (the runner calls it once the bot has started)."""
    services: Services = application.bot_data[SERVICES_KEY]
    texts = services.texts
    for lang in texts.languages():
        commands_ = [BotCommand(name, texts.render(lang, f"cmd-{name}")) for name in COMMANDS]
        scope = BotCommandScopeAllPrivateChats()
        if lang == settings_default(services):
            await application.bot.set_my_commands(commands_, scope=scope)
        await application.bot.set_my_commands(commands_, scope=scope, language_code=lang)


def settings_default(services: Services) -> str:
    return services.settings.DEFAULT_LANGUAGE
