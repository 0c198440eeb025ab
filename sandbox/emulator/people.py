"""Simulated people: patients and coordinators who write to the bot and press its buttons.

Every action creates the Update Telegram would send (message or callback_query) and returns
at once; the bot's answers are read from :attr:`SimulatedUser.messages` or awaited with
:meth:`SimulatedUser.wait_for_message`.

``wait_for_message`` returns the first bot message event (new or edited) in the chat after a
cursor, and moves the cursor past it. The cursor starts when the person is created, and jumps
to "now" each time the person acts in that chat: what the bot said before the person's last
action counts as already seen. A group (:class:`SimulatedGroup`) has its own cursor, which only
``wait_for_message`` moves.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sandbox.emulator.model import (
    CallbackAnswer,
    ChatEvent,
    ChatState,
    EmuMessage,
    JsonDict,
    UserRecord,
)
from sandbox.emulator.world import World, command_entities

if TYPE_CHECKING:
    from sandbox.emulator.server import BotApiEmulator

__all__ = ["MessageLike", "MessagePredicate", "SimulatedGroup", "SimulatedUser"]

MessagePredicate = Callable[[EmuMessage], bool]


class MessageLike(Protocol):
    """Anything naming a message: an :class:`EmuMessage` or a ``telegram.Message``."""

    @property
    def message_id(self) -> int: ...

    @property
    def chat_id(self) -> int: ...


_FAKE_VOICE = b"OggS\x00\x02" + b"\x00" * 26 + b"emulated voice note"
_FAKE_STICKER = b"RIFF\x24\x00\x00\x00WEBPVP8 emulated sticker"


def _events_after(chat: ChatState, seq: int) -> list[ChatEvent]:
    start = bisect.bisect_right(chat.events, seq, key=lambda event: event.seq)
    return chat.events[start:]


async def _wait_for_bot_message(world: World, chat: ChatState, cursors: dict[int, int],
                                start: int, predicate: MessagePredicate | None, seconds: float,
                                who: str) -> EmuMessage:
    """The first matching bot message event after ``cursors[chat.id]`` (default ``start``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    cursors.setdefault(chat.id, start)
    while True:
        for event in _events_after(chat, cursors[chat.id]):
            cursors[chat.id] = event.seq
            message = event.message
            if (event.kind in ("new", "edited") and message is not None and message.from_bot
                    and (predicate is None or predicate(message))):
                return message
        remaining = deadline - loop.time()
        if remaining <= 0 or not await world.events_signal.wait(remaining):
            if any(e.seq > cursors[chat.id] for e in chat.events[-1:]):
                continue  # an event slipped in as the timeout fired: look once more
            wanted = "a bot message" if predicate is None else "a bot message matching predicate"
            raise AssertionError(f"{who}: no {wanted} within {seconds:g}s\n"
                                 f"{world.transcript(chat)}")


class SimulatedGroup:
    """A group chat (negative id) in which the bot and simulated coordinators talk."""

    def __init__(self, emulator: BotApiEmulator, state: ChatState) -> None:
        self._emulator = emulator
        self.state = state
        self._created_seq = emulator.world.event_seq
        self._cursors: dict[int, int] = {}

    @property
    def id(self) -> int:
        return self.state.id

    @property
    def title(self) -> str:
        return self.state.title or ""

    @property
    def member_ids(self) -> list[int]:
        return list(self.state.member_ids)

    def add_member(self, user: SimulatedUser) -> None:
        if user.id not in self.state.member_ids:
            self.state.member_ids.append(user.id)

    @property
    def messages(self) -> list[EmuMessage]:
        """The bot's messages in the group, current content, deleted ones left out."""
        return [m for m in self.state.messages.values() if m.from_bot]

    @property
    def all_messages(self) -> list[EmuMessage]:
        return list(self.state.messages.values())

    @property
    def last_message(self) -> EmuMessage:
        messages = self.messages
        if not messages:
            raise AssertionError(f"the bot has sent nothing in {self.state.label}")
        return messages[-1]

    async def wait_for_message(self, predicate: MessagePredicate | None = None,
                               timeout: float = 5.0) -> EmuMessage:  # noqa: ASYNC109
        return await _wait_for_bot_message(self._emulator.world, self.state, self._cursors,
                                           self._created_seq, predicate, timeout,
                                           f"group {self.title!r}")

    def transcript(self) -> str:
        return self._emulator.world.transcript(self.state)

    def __repr__(self) -> str:
        return f"SimulatedGroup(id={self.id}, title={self.title!r})"


class SimulatedUser:
    """A person with a private chat with the bot, who may also write in groups."""

    def __init__(self, emulator: BotApiEmulator, record: UserRecord) -> None:
        self._emulator = emulator
        self.record = record
        self._created_seq = emulator.world.event_seq
        self._cursors: dict[int, int] = {}  # chat id -> last seen event seq

    # ----------------------------------------------------------------- identity

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def chat_id(self) -> int:
        """The id of this person's private chat with the bot (equal to the user id)."""
        return self.record.id

    @property
    def first_name(self) -> str:
        return self.record.first_name

    @property
    def language_code(self) -> str | None:
        return self.record.language_code

    @property
    def is_blocked(self) -> bool:
        return self.id in self._world.blocked

    @property
    def _world(self) -> World:
        return self._emulator.world

    def _state(self, chat: SimulatedGroup | int | None) -> ChatState:
        """The chat meant by ``chat`` (``None``: the private chat with the bot)."""
        if chat is None:
            return self._world.chat(self.id)
        state = chat.state if isinstance(chat, SimulatedGroup) else self._world.chat(chat)
        if state.type == "private" and state.id != self.id:
            raise ValueError(f"{self.first_name} has no access to {state.label}")
        return state

    def _chat(self, chat: SimulatedGroup | int | None) -> ChatState:
        """Like :meth:`_state`, for acting: writing in a group makes one a member."""
        state = self._state(chat)
        if state.type != "private" and self.id not in state.member_ids:
            state.member_ids.append(self.id)
        return state

    # ----------------------------------------------------------------- writing

    async def _send(self, chat: SimulatedGroup | int | None, **content: Any) -> EmuMessage:
        state = self._chat(chat)
        if state.type == "private":
            if self.is_blocked:
                raise RuntimeError(f"{self.first_name} has blocked the bot; call unblock_bot() "
                                   "before writing to it")
            self._world.started.add(self.id)
        message = self._world.new_message(state, self.record, **content)
        self._world.enqueue_update("message", dict(message.api))
        self._cursors[state.id] = self._world.event_seq
        await asyncio.sleep(0)
        return message

    @staticmethod
    def _reply_id(reply_to: EmuMessage | int | None) -> int | None:
        return reply_to.message_id if isinstance(reply_to, EmuMessage) else reply_to

    async def send_text(self, text: str, *, chat: SimulatedGroup | int | None = None,
                        reply_to: EmuMessage | int | None = None) -> EmuMessage:
        """Type a message. /commands get ``bot_command`` entities like in Telegram."""
        if not text.strip():
            raise ValueError("Telegram clients do not send empty messages")
        return await self._send(chat, text=text, html=text, text_entities=command_entities(text),
                                reply_to_message_id=self._reply_id(reply_to))

    async def send_document(self, data: bytes, file_name: str = "document.pdf",
                            mime_type: str | None = None, caption: str | None = None,
                            declared_size: int | None = None, *,
                            chat: SimulatedGroup | int | None = None) -> EmuMessage:
        """Send a file. ``declared_size`` is the ``file_size`` Telegram reports (a test may
        claim 25 MB while sending a few bytes)."""
        stored = self._world.add_file("document", data, file_name=file_name,
                                      mime_type=mime_type, declared_size=declared_size)
        return await self._send(chat, document=stored, text=caption or "", html=caption or "")

    async def send_photo(self, data: bytes, caption: str | None = None, *,
                         declared_size: int | None = None,
                         chat: SimulatedGroup | int | None = None,
                         media_group_id: str | None = None) -> EmuMessage:
        """Send a photo: two sizes (thumbnail and full) over the same bytes."""
        sizes = self._world.add_photo(data, declared_size=declared_size)
        return await self._send(chat, photo_sizes=sizes, text=caption or "", html=caption or "",
                                media_group_id=media_group_id)

    async def send_album(self, photos: Sequence[bytes], caption: str | None = None, *,
                         chat: SimulatedGroup | int | None = None) -> list[EmuMessage]:
        """Several photos in one send: separate updates sharing one ``media_group_id``;
        the caption goes on the first, as Telegram clients do."""
        if not 2 <= len(photos) <= 10:
            raise ValueError("an album has 2-10 items")
        group_id = self._world.next_media_group_id()
        return [await self.send_photo(data, caption if index == 0 else None, chat=chat,
                                      media_group_id=group_id)
                for index, data in enumerate(photos)]

    async def send_sticker(self, emoji: str = "👍", *,
                           chat: SimulatedGroup | int | None = None) -> EmuMessage:
        stored = self._world.add_file("sticker", _FAKE_STICKER + emoji.encode(), width=512,
                                      height=512, emoji=emoji)
        return await self._send(chat, sticker=stored)

    async def send_voice(self, data: bytes = _FAKE_VOICE, duration: int = 3, *,
                         chat: SimulatedGroup | int | None = None) -> EmuMessage:
        stored = self._world.add_file("voice", data, mime_type="audio/ogg", duration=duration)
        return await self._send(chat, voice=stored)

    async def send_contact(self, phone_number: str, *, user_id: int | None = None,
                           first_name: str | None = None, last_name: str | None = None,
                           chat: SimulatedGroup | int | None = None) -> EmuMessage:
        """Share a contact. ``user_id`` defaults to the sender's own id (what the contact
        button sends); pass another id to fake someone else's contact."""
        owner = self.id if user_id is None else user_id
        own = owner == self.id
        contact: JsonDict = {
            "phone_number": phone_number,
            "first_name": first_name or (self.first_name if own else "Contact"),
            "user_id": owner,
        }
        surname = last_name if last_name is not None else (self.record.last_name if own else None)
        if surname:
            contact["last_name"] = surname
        return await self._send(chat, contact=contact)

    async def send_location(self, latitude: float, longitude: float, *,
                            chat: SimulatedGroup | int | None = None) -> EmuMessage:
        return await self._send(chat, location={"latitude": latitude, "longitude": longitude})

    async def press_keyboard(self, label: str, *, phone_number: str = "+84900000000",
                             chat: SimulatedGroup | int | None = None) -> EmuMessage:
        """Tap a button of the reply keyboard the bot showed: sends its text, or the own
        contact for a ``request_contact`` button (with ``phone_number``)."""
        state = self._chat(chat)
        keyboard = state.reply_keyboard
        for row in (keyboard or {}).get("keyboard", []):
            for button in row:
                if button["text"] == label:
                    if button.get("request_contact"):
                        return await self.send_contact(phone_number, chat=chat)
                    if button.get("request_location"):
                        return await self.send_location(10.7769, 106.7009, chat=chat)
                    return await self.send_text(label, chat=chat)
        shown = [b["text"] for row in (keyboard or {}).get("keyboard", []) for b in row]
        raise LookupError(f"no reply keyboard button {label!r} in {state.label}; "
                          f"keyboard: {shown}\n{self._world.transcript(state)}")

    # ----------------------------------------------------------------- pressing buttons

    async def press(self, message: MessageLike | int, label: str | None = None, *,
                    callback_data: str | None = None,
                    chat: SimulatedGroup | int | None = None) -> str:
        """Press an inline button (by label or callback data) of a bot message as it is now.
        ``message`` is an :class:`EmuMessage`, a ``telegram.Message`` or a message id (in
        ``chat``, by default the private chat). Returns the callback query id."""
        if (label is None) == (callback_data is None):
            raise ValueError("give exactly one of label or callback_data")
        if isinstance(message, int):
            state, message_id = self._chat(chat), message
        else:
            state = self._chat(message.chat_id if chat is None else chat)
            message_id = message.message_id
        current = state.messages.get(message_id)
        if current is None:
            raise LookupError(f"message #{message_id} does not exist (any more) in "
                              f"{state.label}\n{self._world.transcript(state)}")
        button = current.inline_button(label, callback_data=callback_data)
        wanted = label if label is not None else f"callback_data={callback_data!r}"
        if button is None:
            raise LookupError(f"no button {wanted!r} in message #{message_id}; buttons: "
                              f"{current.buttons}\n{self._world.transcript(state)}")
        if "callback_data" not in button:
            raise ValueError(f"button {wanted!r} is not a callback button: {button}")
        return await self._press(state, message_id, button["callback_data"])

    async def press_data(self, data: str, *, message_id: int,
                         chat: SimulatedGroup | int | None = None) -> str:
        """Send a callback query with any data, for any message id (forged presses)."""
        return await self._press(self._chat(chat), message_id, data)

    async def _press(self, state: ChatState, message_id: int, data: str) -> str:
        query_id, _ = self._world.new_callback_query(self.record, state, message_id, data)
        self._cursors[state.id] = self._world.event_seq
        await asyncio.sleep(0)
        return query_id

    # ----------------------------------------------------------------- blocking

    def block_bot(self) -> None:
        """Block the bot: sends to this person now fail with 403, and the bot gets a
        ``my_chat_member`` update (status ``kicked``) as from Telegram."""
        if not self.is_blocked:
            self._world.blocked.add(self.id)
            self._member_update("member", "kicked")

    def unblock_bot(self) -> None:
        if self.is_blocked:
            self._world.blocked.discard(self.id)
            self._member_update("kicked", "member")

    def _member_update(self, old: str, new: str) -> None:
        bot = self._world.bot.to_api()

        def member(status: str) -> JsonDict:
            return ({"status": status, "user": bot, "until_date": 0} if status == "kicked"
                    else {"status": status, "user": bot})

        self._world.enqueue_update("my_chat_member", {
            "chat": self._world.chat(self.id).to_api(), "from": self.record.to_api(),
            "date": self._world.now(), "old_chat_member": member(old),
            "new_chat_member": member(new)})

    # ----------------------------------------------------------------- reading

    @property
    def messages(self) -> list[EmuMessage]:
        """The bot's messages in the private chat, current content, deleted ones left out."""
        return self.messages_in(None)

    def messages_in(self, chat: SimulatedGroup | int | None) -> list[EmuMessage]:
        state = self._state(chat)
        return [m for m in state.messages.values() if m.from_bot]

    @property
    def last_message(self) -> EmuMessage:
        """The bot's latest message in the private chat (AssertionError if none)."""
        messages = self.messages
        if not messages:
            raise AssertionError(f"the bot has sent nothing to {self.first_name}\n"
                                 f"{self.transcript()}")
        return messages[-1]

    @property
    def reply_keyboard(self) -> JsonDict | None:
        """The reply keyboard the bot last showed in the private chat, if still shown."""
        return self._world.chat(self.id).reply_keyboard

    @property
    def callback_answers(self) -> list[str]:
        """Texts of the bot's answerCallbackQuery calls for this person's presses
        (``""`` when it answered without text)."""
        return [answer.text for answer in self.callback_answer_records]

    @property
    def callback_answer_records(self) -> list[CallbackAnswer]:
        return list(self._world.callback_answers.get(self.id, []))

    async def wait_for_callback_answer(
        self, query_id: str, timeout: float = 5.0  # noqa: ASYNC109 - test-facing API
    ) -> CallbackAnswer:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for answer in self._world.callback_answers.get(self.id, []):
                if answer.query_id == query_id:
                    return answer
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"the bot did not answer callback query {query_id} of "
                                     f"{self.first_name} within {timeout:g}s")
            await self._world.events_signal.wait(remaining)

    async def wait_for_message(
        self, predicate: MessagePredicate | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - test-facing API
        *, chat: SimulatedGroup | int | None = None,
    ) -> EmuMessage:
        """The next bot message (new or edited) in the chat matching ``predicate``; see the
        module docstring for what "next" means. AssertionError with the transcript on
        timeout."""
        state = self._state(chat)
        return await _wait_for_bot_message(self._world, state, self._cursors, self._created_seq,
                                           predicate, timeout, self.first_name)

    def transcript(self, chat: SimulatedGroup | int | None = None) -> str:
        return self._world.transcript(self._state(chat))

    def __repr__(self) -> str:
        return f"SimulatedUser(id={self.id}, first_name={self.first_name!r})"
