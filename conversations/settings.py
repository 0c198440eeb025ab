"""Settings: language and time zone, changeable at any time.

Entries: ``settings`` (from the menu) and ``timezone`` (from /timezone). The language itself is
chosen in onboarding's ``language`` entry. A time zone is picked from a short list of common
zones, or typed: an IANA name (``Europe/Berlin``, any case) or a city (``Hanoi``, ``Hà Nội``,
``new york``) matching a zone.
"""

from __future__ import annotations

import difflib
import unicodedata
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.callbacks import cb, parse, pattern
from bot.context import BotContext
from bot.flow import Flow, StateResult
from bot.keyboards import Button, inline
from bot.ui import ack, edit_markup, say


class SettingsState(StrEnum):
    MAIN = "settings.main"
    TIMEZONE = "settings.timezone"


COMMON_ZONES = (
    "Asia/Ho_Chi_Minh", "Asia/Bangkok", "Asia/Singapore", "Asia/Tokyo", "Europe/London",
    "Europe/Paris", "America/New_York", "America/Los_Angeles", "Australia/Sydney",
)

# Places people type that are not the city in a zone's name.
_CITY_ALIASES = {
    "hanoi": "Asia/Ho_Chi_Minh", "ha noi": "Asia/Ho_Chi_Minh", "saigon": "Asia/Ho_Chi_Minh",
    "sai gon": "Asia/Ho_Chi_Minh", "hcm": "Asia/Ho_Chi_Minh", "tphcm": "Asia/Ho_Chi_Minh",
    "tp hcm": "Asia/Ho_Chi_Minh", "ho chi minh city": "Asia/Ho_Chi_Minh",
    "da nang": "Asia/Ho_Chi_Minh", "danang": "Asia/Ho_Chi_Minh", "hue": "Asia/Ho_Chi_Minh",
    "hai phong": "Asia/Ho_Chi_Minh", "can tho": "Asia/Ho_Chi_Minh",
    "vietnam": "Asia/Ho_Chi_Minh", "viet nam": "Asia/Ho_Chi_Minh",
    "luan don": "Europe/London", "new york city": "America/New_York", "nyc": "America/New_York",
    "washington": "America/New_York", "boston": "America/New_York",
    "san francisco": "America/Los_Angeles", "seattle": "America/Los_Angeles",
    "houston": "America/Chicago", "dallas": "America/Chicago", "beijing": "Asia/Shanghai",
    "bac kinh": "Asia/Shanghai", "seoul": "Asia/Seoul", "han quoc": "Asia/Seoul",
    "nhat ban": "Asia/Tokyo", "japan": "Asia/Tokyo", "thai lan": "Asia/Bangkok",
    "thailand": "Asia/Bangkok", "phnom penh": "Asia/Phnom_Penh", "vientiane": "Asia/Vientiane",
    "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata", "mumbai": "Asia/Kolkata",
    "melbourne": "Australia/Melbourne", "uc": "Australia/Sydney", "phap": "Europe/Paris",
    "france": "Europe/Paris", "germany": "Europe/Berlin", "duc": "Europe/Berlin",
    "my": "America/New_York",
}
MAX_CHOICES = 6


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().replace("_", " ").replace("-", " ").split())


@lru_cache(maxsize=1)
def all_zones() -> tuple[str, ...]:
    """Region/City zones (no Etc/ and legacy aliases), sorted: indexes are button ids."""
    return tuple(sorted(z for z in available_timezones()
                        if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/"))))


@lru_cache(maxsize=1)
def _by_city() -> dict[str, list[str]]:
    cities: dict[str, list[str]] = {}
    for zone in all_zones():
        cities.setdefault(_fold(zone.rsplit("/", 1)[-1]), []).append(zone)
    return cities


def find_zones(typed: str) -> list[str]:
    """Zones matching what the patient typed: exact IANA name, alias, city, or near spelling."""
    text = typed.strip()
    if not text or len(text) > 64:
        return []
    exact = {z.lower(): z for z in available_timezones()}
    if text.lower() in exact:
        return [exact[text.lower()]]
    folded = _fold(text)
    if folded in _CITY_ALIASES:
        return [_CITY_ALIASES[folded]]
    cities = _by_city()
    if folded in cities:
        return cities[folded][:MAX_CHOICES]
    joined = folded.replace(" ", "")
    for city, zones in cities.items():
        if city.replace(" ", "") == joined:
            return zones[:MAX_CHOICES]
    close = difflib.get_close_matches(folded, list(cities) + list(_CITY_ALIASES),
                                      n=MAX_CHOICES, cutoff=0.85)
    found: list[str] = []
    for name in close:
        for zone in ([_CITY_ALIASES[name]] if name in _CITY_ALIASES else cities[name]):
            if zone not in found:
                found.append(zone)
    return found[:MAX_CHOICES]


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
