"""Small helpers the intake's modules share: who is talking, sending, and formatting."""

from __future__ import annotations

import html
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Message

from bot.context import BotContext
from bot.ui import Markup

View = tuple[str, Markup | None]

#: Longest free-text answer kept (a Telegram message is at most 4096 characters).
MAX_TEXT = 2000


async def send(context: BotContext, chat_id: int, view: View) -> Message:
    text, markup = view
    return await context.bot.send_message(chat_id, text, reply_markup=markup)


#: Fluent refuses a placeable longer than 2500 characters, counted after our HTML escaping
#: (an "&" becomes "&amp;"): a clipped answer stays under this once escaped.
MAX_PLACEABLE = 2400


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    while len(html.escape(text, quote=False)) > MAX_PLACEABLE:
        text = text[:len(text) * 4 // 5].rstrip() + "…"
    return text


def fmt_date(context: BotContext, value: date) -> str:
    return context.t("intake-date", dd=f"{value.day:02d}", month=f"m{value.month}",
                     year=str(value.year))


def fmt_size(context: BotContext, size: int) -> str:
    if size >= 1024 * 1024:
        number, unit = f"{size / (1024 * 1024):.1f}", "MB"
    else:
        number, unit = f"{max(size, 1024) / 1024:.0f}", "KB"
    if context.lang == "vi":
        number = number.replace(".", ",")
    return f"{number} {unit}"


def today_for(context: BotContext, timezone: str | None) -> date:
    """Today in the patient's time zone (the service's default when they have none)."""
    name = timezone or context.services.settings.DEFAULT_TIMEZONE
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(context.services.settings.DEFAULT_TIMEZONE)
    return context.services.clock.now().astimezone(zone).date()
