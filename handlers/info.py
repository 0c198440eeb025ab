"""Information screens: How it works, Our experts, For employers, Help & contact.

Each screen is a state of its own (so any input there gets a kind answer and the screen again),
with its pages behind Previous/Next buttons and a way back to the menu. Texts come from the
seed's facts, in the catalogs (``info.ftl``). Entries: ``info_how``, ``info_experts``,
``info_employers``, ``info_help`` (the menu items), and ``privacy`` for /privacy.
"""

from __future__ import annotations

import re
from enum import StrEnum

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.callbacks import cb, parse
from bot.context import BotContext
from bot.employers import lookup
from bot.flow import Flow, Handlers, Prompt, StateResult, Step
from bot.keyboards import Button, inline
from bot.ui import ack, edit_or_send, say


class InfoState(StrEnum):
    HOW = "info.how"
    EXPERTS = "info.experts"
    EMPLOYERS = "info.employers"
    HELP = "info.help"


# screen → its pages (message ids), in order
PAGES: dict[str, tuple[str, ...]] = {
    "how": ("info-how-1", "info-how-2", "info-how-3"),
    "experts": ("info-experts-1", "info-experts-2"),
    "employers": ("info-employers",),
    "help": ("info-help",),
}
STATES = {"how": InfoState.HOW, "experts": InfoState.EXPERTS,
          "employers": InfoState.EMPLOYERS, "help": InfoState.HELP}


def _page_text(context: BotContext, screen: str, page: int) -> str:
    pages = PAGES[screen]
    parts = [context.t(pages[page])]
    if screen == "employers":
        patient = context.patient
        if patient is not None and patient.employer_code:
            name = lookup(context.services.settings.DATA_DIR, patient.employer_code)
            parts.append(context.t("info-employer-code", code=patient.employer_code,
                                   name=name or patient.employer_code))
    if len(pages) > 1:
        parts.append(context.t("info-page", page=str(page + 1), total=str(len(pages))))
    return "\n\n".join(parts)


def _keyboard(context: BotContext, screen: str, page: int) -> list[list[Button]]:
    total = len(PAGES[screen])
    nav: list[Button] = []
    if page > 0:
        nav.append((context.t("btn-info-prev"), cb("info", screen, page - 1)))
    if page < total - 1:
        nav.append((context.t("btn-info-next"), cb("info", screen, page + 1)))
    return [nav, [(context.t("btn-menu"), cb("menu", "home"))]]


async def show(update: Update, context: BotContext, screen: str, page: int = 0,
               *, in_place: bool = False) -> None:
    text = _page_text(context, screen, page)
    markup = inline(_keyboard(context, screen, page))
    if in_place:
        await edit_or_send(update, context, text, markup)
    else:
        chat = update.effective_chat
        if chat is not None:
            await context.bot.send_message(chat.id, text, reply_markup=markup)


def _prompt(screen: str) -> Prompt:
    async def prompt(update: Update, context: BotContext) -> None:
        await show(update, context, screen)

    return prompt


def _entry(screen: str) -> Step:
    async def enter(update: Update, context: BotContext) -> StateResult:
        await show(update, context, screen)
        return STATES[screen]

    return enter


def _turn_page(screen: str) -> Step:
    async def on_page(update: Update, context: BotContext) -> StateResult:
        data = parse(update.callback_query.data if update.callback_query else None)
        await ack(update, context)
        page = data.int_id if data is not None else None
        if page is None or not 0 <= page < len(PAGES[screen]):
            await show(update, context, screen)
            return None
        await show(update, context, screen, page, in_place=True)
        return None

    return on_page


async def enter_privacy(update: Update, context: BotContext) -> StateResult:
    """/privacy: a short notice with the link to the full page; the step stays where it was."""
    url = f"{context.services.settings.public_base_url}/privacy?lang={context.lang}"
    await say(update, context, "privacy-summary", privacy_url=url)
    return None


def build_info_conversation() -> Flow:
    states: dict[str, Handlers] = {
        STATES[screen]: [CallbackQueryHandler(
            _turn_page(screen), pattern=re.compile(rf"^info:{screen}:\d{{1,2}}$"))]
        for screen in PAGES}
    return Flow(
        name="info",
        states=states,
        prompts={STATES[screen]: _prompt(screen) for screen in PAGES},
        entries={**{f"info_{screen}": _entry(screen) for screen in PAGES},
                 "privacy": enter_privacy},
    )
