"""The main menu: a state of its own, and the ``menu:<item>`` buttons that work from any state."""

from __future__ import annotations

from enum import StrEnum

from telegram import Update

from bot.callbacks import cb, parse
from bot.context import BotContext
from bot.flow import Flow, StateResult
from bot.keyboards import inline
from bot.ui import ack, say


class MenuState(StrEnum):
    MAIN = "menu.main"


# item → (label id, navigator entry, needs consent)
MENU_ITEMS: dict[str, tuple[str, str, bool]] = {
    "guide": ("btn-menu-guide", "guidance", True),
    "case": ("btn-menu-case", "intake", True),
    "mycase": ("btn-menu-mycase", "status", True),
    "how": ("btn-menu-how", "info_how", False),
    "experts": ("btn-menu-experts", "info_experts", False),
    "employers": ("btn-menu-employers", "info_employers", False),
    "help": ("btn-menu-help", "info_help", False),
    "settings": ("btn-menu-settings", "settings", False),
}


async def prompt_menu(update: Update, context: BotContext) -> None:
    rows = []
    if context.patient is not None and not context.patient.consented:
        rows.append([(context.t("btn-menu-consent"), cb("menu", "open", "consent"))])
    for item, (label, entry, _needs_consent) in MENU_ITEMS.items():
        if context.nav.has_entry(entry):
            rows.append([(context.t(label), cb("menu", "open", item))])
    await say(update, context, "menu-title", inline(rows))


async def enter_menu(update: Update, context: BotContext) -> StateResult:
    await prompt_menu(update, context)
    return MenuState.MAIN


async def cb_menu_open(update: Update, context: BotContext) -> StateResult:
    """A menu button, pressed from any state (also an old menu message)."""
    data = parse(update.callback_query.data if update.callback_query else None)
    await ack(update, context)
    if data is None:
        return None
    if data.action == "home":
        return await enter_menu(update, context)
    if data.id == "consent":
        return await context.nav.go("consent", update, context)
    item = MENU_ITEMS.get(data.id or "")
    if item is None or not context.nav.has_entry(item[1]):
        return await enter_menu(update, context)
    _label, entry, needs_consent = item
    if needs_consent and (context.patient is None or not context.patient.consented):
        await say(update, context, "consent-needed")
        return await context.nav.go("consent", update, context)
    return await context.nav.go(entry, update, context)


def build_menu_conversation() -> Flow:
    return Flow(name="menu", states={MenuState.MAIN: []}, prompts={MenuState.MAIN: prompt_menu},
                entries={"menu": enter_menu})
