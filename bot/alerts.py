"""Messages the bot sends on its own initiative, built as outbox items.

Coordinator alerts go to COORDINATOR_CHAT_ID, or to each coordinator privately when no group is
configured. They carry ids, counts and deadlines only, never clinical text, and are written in
the service's default language. Patient notifications are written in the patient's language.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup

from bot.services import Services
from bot.ui import message_payload
from storage.repositories import Outgoing


def coordinator_targets(services: Services) -> list[int]:
    settings = services.settings
    if settings.COORDINATOR_CHAT_ID is not None:
        return [settings.COORDINATOR_CHAT_ID]
    return sorted(settings.coordinator_ids)


def coordinator_alert(services: Services, key: str, markup: InlineKeyboardMarkup | None = None,
                      **values: Any) -> list[Outgoing]:
    text = services.texts.render(services.settings.DEFAULT_LANGUAGE, key, **values)
    return [Outgoing(chat_id=chat_id, method="sendMessage",
                     payload=message_payload(chat_id, text, markup))
            for chat_id in coordinator_targets(services)]


def patient_message(services: Services, *, chat_id: int, lang: str, key: str,
                    markup: InlineKeyboardMarkup | None = None, **values: Any) -> Outgoing:
    text = services.texts.render(lang, key, **values)
    return Outgoing(chat_id=chat_id, method="sendMessage",
                    payload=message_payload(chat_id, text, markup))


async def send_later(services: Services, items: list[Outgoing]) -> None:
    """Queue items in their own transaction (when no domain change goes with them)."""
    await services.outbox.enqueue_many(items=items)
    services.outbox_wakeup.set()
