"""PTB persistence backed by the database: conversation states only, written through.

Nothing else of PTB's (user_data, chat_data, bot_data, callback_data) is persisted: what
patients answer lives in the database's own rows, not in those dicts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage.repositories import ConversationRepo


def encode_key(key: ConversationKey) -> str:
    return json.dumps(list(key), separators=(",", ":"))


def decode_key(raw: str) -> ConversationKey:
    return tuple(json.loads(raw))


def forget_stored_states(application: Any, keys: Iterable[str]) -> None:
    """Tell the application's persistence (if it is ours) that the conversation states under
    ``keys`` were deleted directly in the database."""
    persistence = getattr(application, "persistence", None)
    if isinstance(persistence, DatabasePersistence):
        persistence.forget(keys)


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
        # What the database holds, as far as this process knows: (name, encoded key) -> the
        # state, None for no row. A key that is missing is unknown and always written.
        self._stored: dict[tuple[str, str], str | None] = {}

    async def get_conversations(self, name: str) -> ConversationDict:
        stored = await self._repo.load(name=name)
        for raw, state in stored.items():
            self._stored[(name, raw)] = state
        return {decode_key(k): v for k, v in stored.items()}

    async def update_conversation(self, name: str, key: ConversationKey,
                                  new_state: object | None) -> None:
        """PTB calls this for every key an update touched, changed or not: only a state that
        differs from the stored one is written."""
        slot = (name, encode_key(key))
        state = None if new_state is None else str(new_state)
        if slot in self._stored and self._stored[slot] == state:
            return
        # Unknown while the write is under way, and after it if it fails (it may or may not
        # have reached the database): the next call writes again.
        self._stored.pop(slot, None)
        await self._repo.save(name=name, key=slot[1], state=state)
        self._stored[slot] = state

    def forget(self, keys: Iterable[str]) -> None:
        """The rows under these encoded keys were changed behind this persistence's back (an
        erasure deletes a patient's states directly): write them the next time, whatever the
        state."""
        gone = set(keys)
        for slot in [slot for slot in self._stored if slot[1] in gone]:
            del self._stored[slot]

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
