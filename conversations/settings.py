"""Settings: language and time zone, changeable at any time.

Entries: ``settings`` (from the menu) and ``timezone`` (from /timezone). The language itself is
chosen in onboarding's ``language`` entry. A time zone is picked from a short list of common
zones, or typed: an IANA name (``Europe/Berlin``, any case) or a city (``Hanoi``, ``Hà Nội``,
``new york``) matching a zone.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.callbacks import cb, parse, pattern
from bot.context import BotContext
from bot.flow import Flow, StateResult
from bot.keyboards import Button, inline
from bot.timezones import COMMON_ZONES, all_zones, find_zones
from bot.ui import ack, edit_markup, say


class SettingsState(StrEnum):
    MAIN = "settings.main"
    TIMEZONE = "settings.timezone"


def zone_label(context: BotContext, zone: str) -> str:
    key = "tz-" + zone.lower().replace("/", "-").replace("_", "-")
    if context.services.texts.has(context.lang, key):
        return context.t(key)
    return zone.replace("_", " ")


def _current_zone(context: BotContext) -> str:
    patient = context.patient
    return (patient.timezone if patient is not None and patient.timezone
            else context.services.settings.DEFAULT_TIMEZONE)


def _local_time(context: BotContext, zone: str) -> str:
    now: datetime = context.services.clock.now().astimezone(ZoneInfo(zone))
    return now.strftime("%H:%M")


# -- prompts ----------------------------------------------------------------------------------

async def prompt_main(update: Update, context: BotContext) -> None:
    zone = _current_zone(context)
    await say(update, context, "settings-title", inline([
        [(context.t("btn-settings-language"), cb("set", "lang"))],
        [(context.t("btn-settings-timezone"), cb("set", "tz"))],
        [(context.t("btn-menu"), cb("menu", "home"))],
    ]), language=context.t(f"btn-lang-{context.lang}"), timezone=zone_label(context, zone),
        time=_local_time(context, zone))


def _zone_rows(context: BotContext, zones: list[tuple[str, str]]) -> list[list[Button]]:
    current = _current_zone(context)
    return [[(("✓ " if zone == current else "") + zone_label(context, zone),
              cb("set", "tzpick", ident))] for zone, ident in zones]


async def prompt_timezone(update: Update, context: BotContext) -> None:
    rows = _zone_rows(context, [(z, f"c{i}") for i, z in enumerate(COMMON_ZONES)])
    rows.append([(context.t("btn-back"), cb("set", "back")),
                 (context.t("btn-menu"), cb("menu", "home"))])
    await say(update, context, "settings-tz-choose", inline(rows))


# -- entries ----------------------------------------------------------------------------------

async def enter_settings(update: Update, context: BotContext) -> StateResult:
    await prompt_main(update, context)
    return SettingsState.MAIN


async def enter_timezone(update: Update, context: BotContext) -> StateResult:
    await prompt_timezone(update, context)
    return SettingsState.TIMEZONE


# -- steps ------------------------------------------------------------------------------------

async def on_main_language(update: Update, context: BotContext) -> StateResult:
    await ack(update, context)
    await edit_markup(update, None)
    return await context.nav.go("language", update, context)


async def on_main_timezone(update: Update, context: BotContext) -> StateResult:
    await ack(update, context)
    await edit_markup(update, None)
    return await enter_timezone(update, context)


async def on_timezone_back(update: Update, context: BotContext) -> StateResult:
    await ack(update, context)
    await edit_markup(update, None)
    return await enter_settings(update, context)


def _zone_from_id(ident: str | None) -> str | None:
    if not ident or not ident[1:].isdigit() or len(ident) > 6:
        return None
    index = int(ident[1:])
    table = COMMON_ZONES if ident[0] == "c" else all_zones() if ident[0] == "z" else ()
    return table[index] if index < len(table) else None


async def _save_zone(update: Update, context: BotContext, zone: str) -> StateResult:
    user = update.effective_user
    if user is None:
        return None
    context.patient = await context.services.patients.set_timezone(
        telegram_user_id=user.id, timezone=zone)
    await say(update, context, "settings-tz-set", timezone=zone_label(context, zone),
              time=_local_time(context, zone))
    return await enter_settings(update, context)


async def on_timezone_pick(update: Update, context: BotContext) -> StateResult:
    data = parse(update.callback_query.data if update.callback_query else None)
    zone = _zone_from_id(data.id if data else None)
    await ack(update, context)
    if zone is None:
        await prompt_timezone(update, context)
        return None
    await edit_markup(update, None)
    return await _save_zone(update, context, zone)


async def on_timezone_text(update: Update, context: BotContext) -> StateResult:
    message = update.effective_message
    zones = find_zones(message.text or "") if message is not None else []
    if not zones:
        await say(update, context, "settings-tz-unknown")
        await prompt_timezone(update, context)
        return None
    if len(zones) == 1:
        return await _save_zone(update, context, zones[0])
    index = {z: i for i, z in enumerate(all_zones())}
    choices = [(z, f"z{index[z]}") for z in zones if z in index]
    rows = _zone_rows(context, choices)
    rows.append([(context.t("btn-back"), cb("set", "back"))])
    await say(update, context, "settings-tz-many", inline(rows))
    return None


def build_settings_conversation() -> Flow:
    s = SettingsState
    return Flow(
        name="settings",
        states={
            s.MAIN: [
                CallbackQueryHandler(on_main_language, pattern=pattern("set", "lang")),
                CallbackQueryHandler(on_main_timezone, pattern=pattern("set", "tz")),
            ],
            s.TIMEZONE: [
                CallbackQueryHandler(on_timezone_pick, pattern=pattern("set", "tzpick")),
                CallbackQueryHandler(on_timezone_back, pattern=pattern("set", "back")),
                MessageHandler(filters.TEXT & ~filters.COMMAND, on_timezone_text),
            ],
        },
        prompts={s.MAIN: prompt_main, s.TIMEZONE: prompt_timezone},
        entries={"settings": enter_settings, "timezone": enter_timezone},
    )
