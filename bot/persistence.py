"""PTB persistence backed by the database: conversation states only, written through.

Nothing else of PTB's (user_data, chat_data, bot_data, callback_data) is persisted: what
patients answer lives in the database's own rows, not in those dicts.
"""

from __future__ import annotations

import json
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage.repositories import ConversationRepo


def encode_key(key: ConversationKey) -> str:
    return json.dumps(list(key), separators=(",", ":"))


def decode_key(raw: str) -> ConversationKey:
    return tuple(json.loads(raw))


class DatabasePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Conversation states in the ``conversation_states`` table.

    PTB calls `update_conversation` from `Application.update_persistence`; the application
    runs that after every update (a handler in the last group), and on an interval below one
    second as a safety net, so a state never waits long in memory.
    """

    def __init__(self, repo: ConversationRepo, *, update_interval: float = 0.5) -> None:
        super().__init__(store_data=PersistenceInput(bot_data=False, chat_data=False,
                                                     user_data=False, callback_data=False),
                         update_interval=update_interval)
        self._repo = repo

    async def get_conversations(self, name: str) -> ConversationDict:
        stored = await self._repo.load(name=name)
        return {decode_key(k): v for k, v in stored.items()}

    async def update_conversation(self, name: str, key: ConversationKey,
                                  new_state: object | None) -> None:
        await self._repo.save(name=name, key=encode_key(key),
                              state=None if new_state is None else str(new_state))

    # Nothing else is persisted.
    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        return None

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        return None
