"""Inline keyboards from (label, callback data) rows; labels come from the catalogs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

Button = tuple[str, str]  # (label, callback data)


def inline(rows: Iterable[Sequence[Button]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row]
         for row in rows if row])


def column(buttons: Iterable[Button]) -> InlineKeyboardMarkup:
    return inline([b] for b in buttons)


def url_button(label: str, url: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, url=url)


def contact_request(label: str, skip_label: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup([[KeyboardButton(label, request_contact=True)],
                                [KeyboardButton(skip_label)]],
                               resize_keyboard=True, one_time_keyboard=True)


def remove() -> ReplyKeyboardRemove:
    return ReplyKeyboardRemove()
