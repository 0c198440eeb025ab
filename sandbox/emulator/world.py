"""The emulated Telegram world: accounts, chats, messages, files, updates and events.

Everything here is synchronous and in memory; waiting is done through :class:`Signal`.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import itertools
import mimetypes
import re
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal

from PIL import Image

from sandbox.emulator.model import (
    CallbackAnswer,
    CallbackQueryRecord,
    ChatEvent,
    ChatState,
    EmuMessage,
    FileData,
    JsonDict,
    PendingUpdate,
    Signal,
    UserRecord,
    bad_request,
)
from sandbox.html_check import utf16_len

__all__ = ["BotSettings", "World", "command_entities"]

#: What Telegram sends when ``allowed_updates`` is not set (or set to an empty list).
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_FILE_ID_PREFIX = {"document": "BQAC", "photo": "AgAC", "sticker": "CAAC", "voice": "AwAC",
                   "file": "BQAC"}
_UNIQUE_PREFIX = {"document": "AgADBQ", "photo": "AQADAg", "sticker": "AgADCA", "voice": "AgADAw",
                  "file": "AgADBQ"}
_FOLDERS = {"document": "documents", "photo": "photos", "sticker": "stickers", "voice": "voice",
            "file": "documents"}
_DEFAULT_EXT = {"photo": ".jpg", "sticker": ".webp", "voice": ".oga"}
_HISTORY_LIMIT = 50_000
_DEFAULT_PHOTO_SIZE = (1280, 960)


@dataclass
class BotSettings:
    """What the bot configured through the API. Survives :meth:`World.reset`."""

    webhook_url: str = ""
    webhook_target: str | None = None  # where updates really go (tests), if not webhook_url
    webhook_secret: str | None = None
    webhook_max_connections: int = 40
    allowed_updates: list[str] = field(default_factory=list)
    last_error_date: int | None = None
    last_error_message: str | None = None
    commands: dict[tuple[str, str], list[JsonDict]] = field(default_factory=dict)
    menu_buttons: dict[int | None, JsonDict] = field(default_factory=dict)
    texts: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, language) -> text


def _image_size(data: bytes) -> tuple[int, int]:
    """Width and height of an image (header only); a default for anything unreadable."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:  # not an image Pillow knows: tests often send placeholder bytes
        return _DEFAULT_PHOTO_SIZE


def command_entities(text: str) -> tuple[JsonDict, ...]:
    """``bot_command`` entities for every /command in ``text``, as Telegram marks them."""
    if "/" not in text:
        return ()
    return tuple(
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]),
         "length": utf16_len(m.group())}
        for m in _COMMAND_RE.finditer(text)
    )


class World:
    """All emulated state. Not thread-safe; use from the emulator's event loop only."""

    def __init__(self, *, token: str, bot_username: str, bot_name: str,
                 clock: Callable[[], float], event_log_size: int = 10_000) -> None:
        head = token.split(":", 1)[0]
        self.token = token
        self.bot = UserRecord(int(head) if head.isdigit() else 1, bot_name,
                              username=bot_username, is_bot=True)
        self.clock = clock
        self.settings = BotSettings()
        self.updates_signal = Signal()
        self.events_signal = Signal()
        self._event_log_size = event_log_size
        self.reset()

    def reset(self) -> None:
        """Forget people, chats, files, updates, events and presses (not bot settings)."""
        self.users: dict[int, UserRecord] = {}
        self.blocked: set[int] = set()
        self.started: set[int] = set()
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, FileData] = {}
        self.file_paths: dict[str, str] = {}  # file_path -> file_id
        self._path_of: dict[str, str] = {}  # file_id -> file_path
        self.pending: deque[PendingUpdate] = deque()
        self.redeliveries: deque[PendingUpdate] = deque()
        self.history: OrderedDict[int, PendingUpdate] = OrderedDict()
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.callback_answers: dict[int, list[CallbackAnswer]] = {}
        self.events: deque[ChatEvent] = deque(maxlen=self._event_log_size)
        self.event_seq = 0
        self.poll_generation = 0
        self._update_ids = itertools.count(1)
        self._user_ids = itertools.count(100_001)
        self._group_ids = itertools.count(100_001)
        self._file_numbers = itertools.count(1)
        self._path_numbers = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._media_groups = itertools.count(1)
        self.updates_signal.notify()
        self.events_signal.notify()

    def now(self) -> int:
        return int(self.clock())

    # ----------------------------------------------------------------- people and chats

    def add_user(self, *, first_name: str, last_name: str | None = None,
                 username: str | None = None, language_code: str | None = "en",
                 user_id: int | None = None, started: bool = True) -> UserRecord:
        if user_id is None:
            user_id = next(i for i in self._user_ids
                           if i not in self.users and i != self.bot.id and i not in self.chats)
        elif user_id in self.users or user_id == self.bot.id:
            raise ValueError(f"user id {user_id} is already taken")
        user = UserRecord(user_id, first_name, last_name, username, language_code)
        self.users[user_id] = user
        self.chats[user_id] = ChatState(user_id, "private", user=user)
        if started:
            self.started.add(user_id)
        return user

    def add_group(self, *, title: str, member_ids: Iterable[int], chat_id: int | None = None,
                  chat_type: Literal["group", "supergroup"] = "group") -> ChatState:
        if chat_id is None:
            chat_id = next(-i for i in self._group_ids if -i not in self.chats)
        elif chat_id in self.chats:
            raise ValueError(f"chat id {chat_id} is already taken")
        elif chat_id >= 0:
            raise ValueError("group chat ids are negative")
        chat = ChatState(chat_id, chat_type, title=title, member_ids=list(member_ids))
        self.chats[chat_id] = chat
        return chat

    def user(self, user_id: int) -> UserRecord:
        try:
            return self.users[user_id]
        except KeyError:
            raise KeyError(f"no simulated user with id {user_id}") from None

    def chat(self, chat_id: int) -> ChatState:
        try:
            return self.chats[chat_id]
        except KeyError:
            raise KeyError(f"no chat with id {chat_id}") from None

    def sender(self, message: EmuMessage) -> UserRecord:
        return self.bot if message.from_bot else self.users[message.sender_id]

    def chat_instance(self, chat_id: int) -> str:
        digest = hashlib.sha256(f"{self.bot.id}:{chat_id}".encode()).hexdigest()
        return str(int(digest[:15], 16) - 2**59)

    # ----------------------------------------------------------------- files

    def add_file(self, kind: Literal["document", "photo", "sticker", "voice", "file"],
                 data: bytes, *, file_name: str | None = None, mime_type: str | None = None,
                 declared_size: int | None = None, width: int = 0, height: int = 0,
                 emoji: str | None = None, duration: int = 0, variant: str = "") -> FileData:
        """Store a file. Identical bytes (and variant) give an identical ``file_unique_id``."""
        digest = hashlib.sha256(variant.encode() + data).digest()
        unique = _UNIQUE_PREFIX[kind] + base64.urlsafe_b64encode(digest[:12]).decode()
        number = next(self._file_numbers)
        file_id = f"{_FILE_ID_PREFIX[kind]}{number:06d}{unique}"
        if kind == "document" and mime_type is None and file_name:
            mime_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        stored = FileData(file_id, unique, kind, data,
                          declared_size if declared_size is not None else len(data),
                          file_name, mime_type, width, height, emoji, duration)
        self.files[file_id] = stored
        return stored

    def add_photo(self, data: bytes, *, declared_size: int | None = None) -> tuple[FileData, ...]:
        """Two photo sizes (a thumbnail and the full size) over the same bytes."""
        width, height = _image_size(data)
        scale = 90 / max(width, height, 1)
        small = self.add_file("photo", data, width=max(int(width * scale), 1),
                              height=max(int(height * scale), 1), variant="s",
                              declared_size=declared_size)
        full = self.add_file("photo", data, width=width, height=height,
                             declared_size=declared_size)
        return small, full

    def file(self, file_id: str) -> FileData:
        stored = self.files.get(file_id)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored

    def file_path(self, stored: FileData) -> str:
        """The ``file_path`` getFile reports (assigned once per file)."""
        path = self._path_of.get(stored.file_id)
        if path is None:
            ext = PurePosixPath(stored.file_name or "").suffix
            if not ext and stored.mime_type:
                ext = mimetypes.guess_extension(stored.mime_type) or ""
            ext = ext or _DEFAULT_EXT.get(stored.kind, "")
            path = f"{_FOLDERS[stored.kind]}/file_{next(self._path_numbers)}{ext}"
            self._path_of[stored.file_id] = path
            self.file_paths[path] = stored.file_id
        return path

    # ----------------------------------------------------------------- messages

    def new_message(self, chat: ChatState, sender: UserRecord, **content: Any) -> EmuMessage:
        """Create, store and announce a message with the next message id of the chat."""
        message = EmuMessage(chat.take_message_id(), chat.id, sender.id, sender.is_bot,
                             self.now(), **content)
        message = self._with_api(chat, message)
        chat.messages[message.message_id] = message
        self._event(chat, "new", message.message_id, message)
        return message

    def edit_message(self, chat: ChatState, message: EmuMessage, **changes: Any) -> EmuMessage:
        edited = dataclasses.replace(message, edited=True, edit_date=self.now(), **changes)
        edited = self._with_api(chat, edited)
        chat.messages[message.message_id] = edited
        self._event(chat, "edited", message.message_id, edited)
        return edited

    def delete_message(self, chat: ChatState, message_id: int) -> bool:
        if chat.messages.pop(message_id, None) is None:
            return False
        self._event(chat, "deleted", message_id, None)
        return True

    def _with_api(self, chat: ChatState, message: EmuMessage) -> EmuMessage:
        api: JsonDict = {
            "message_id": message.message_id,
            "from": self.sender(message).to_api(),
            "chat": chat.to_api(),
            "date": message.date,
        }
        if message.edit_date is not None:
            api["edit_date"] = message.edit_date
        if message.forward_origin is not None:
            api["forward_origin"] = message.forward_origin
        if message.reply_to_message_id is not None:
            replied = chat.messages.get(message.reply_to_message_id)
            if replied is not None:
                api["reply_to_message"] = {
                    k: v for k, v in replied.api.items() if k != "reply_to_message"
                }
        if message.media_group_id is not None:
            api["media_group_id"] = message.media_group_id
        if message.document is not None:
            api["document"] = message.document.document_api()
        if message.photo_sizes:
            api["photo"] = [size.photo_size_api() for size in message.photo_sizes]
        if message.sticker is not None:
            sticker = message.sticker
            api["sticker"] = {
                "file_id": sticker.file_id, "file_unique_id": sticker.file_unique_id,
                "type": "regular", "width": sticker.width, "height": sticker.height,
                "is_animated": False, "is_video": False, "emoji": sticker.emoji or "",
                "file_size": sticker.file_size,
            }
        if message.voice is not None:
            voice = message.voice
            api["voice"] = {"file_id": voice.file_id, "file_unique_id": voice.file_unique_id,
                            "duration": voice.duration, "mime_type": voice.mime_type,
                            "file_size": voice.file_size}
        if message.contact is not None:
            api["contact"] = message.contact
        if message.location is not None:
            api["location"] = message.location
        if message.has_media:
            if message.text:
                api["caption"] = message.text
                if message.text_entities:
                    api["caption_entities"] = list(message.text_entities)
        else:
            api["text"] = message.text
            if message.text_entities:
                api["entities"] = list(message.text_entities)
        markup = message.reply_markup
        if markup is not None and "inline_keyboard" in markup and markup["inline_keyboard"]:
            api["reply_markup"] = markup
        return dataclasses.replace(message, api=api)

    def next_media_group_id(self) -> str:
        return str(13_000_000_000_000_000 + next(self._media_groups))

    # ----------------------------------------------------------------- events

    def _event(self, chat: ChatState, kind: Literal["new", "edited", "deleted", "callback_answer"],
               message_id: int | None, message: EmuMessage | None,
               answer: CallbackAnswer | None = None) -> ChatEvent:
        self.event_seq += 1
        event = ChatEvent(self.event_seq, kind, chat.id, message_id, message, answer)
        chat.events.append(event)
        self.events.append(event)
        self.events_signal.notify()
        return event

    # ----------------------------------------------------------------- updates

    def allowed(self, kind: str) -> bool:
        allowed = self.settings.allowed_updates
        return kind in allowed if allowed else kind not in _NOT_BY_DEFAULT

    def enqueue_update(self, kind: str, payload: JsonDict) -> int:
        """Create an Update; it waits for getUpdates or the webhook unless filtered out by
        ``allowed_updates`` (as Telegram drops those)."""
        update_id = next(self._update_ids)
        update = PendingUpdate(update_id, kind, {"update_id": update_id, kind: payload})
        self.history[update_id] = update
        if len(self.history) > _HISTORY_LIMIT:
            self.history.popitem(last=False)
        if self.allowed(kind):
            self.pending.append(update)
            self.updates_signal.notify()
        return update_id

    def confirm(self, offset: int) -> None:
        """getUpdates ``offset`` semantics: forget updates below it (or all but the last
        ``-offset`` when negative)."""
        if offset > 0:
            while self.pending and self.pending[0].update_id < offset:
                self.pending.popleft()
        elif offset < 0:
            while len(self.pending) > -offset:
                self.pending.popleft()

    def peek_updates(self, limit: int) -> list[PendingUpdate]:
        """Up to ``limit`` updates to hand out: one-shot redeliveries first, then pending."""
        batch: list[PendingUpdate] = []
        while self.redeliveries and len(batch) < limit:
            batch.append(self.redeliveries.popleft())
        batch.extend(itertools.islice(self.pending, 0, limit - len(batch)))
        return batch

    def redeliver(self, update_id: int) -> None:
        update = self.history.get(update_id)
        if update is None:
            raise KeyError(f"no update with id {update_id}")
        self.redeliveries.append(update)
        self.updates_signal.notify()

    @property
    def pending_count(self) -> int:
        return len(self.pending) + len(self.redeliveries)

    def drop_pending(self) -> None:
        self.pending.clear()
        self.redeliveries.clear()

    # ----------------------------------------------------------------- button presses

    def new_callback_query(self, user: UserRecord, chat: ChatState, message_id: int,
                           data: str | None) -> tuple[str, int]:
        """Create a callback_query update; return (query id, update id)."""
        query_id = str(4_611_686_018_427_387_904 + next(self._query_ids) * 1_000_003)
        message = chat.messages.get(message_id)
        message_api: JsonDict = (
            dict(message.api) if message is not None
            else {"chat": chat.to_api(), "message_id": message_id, "date": 0}
        )
        payload: JsonDict = {"id": query_id, "from": user.to_api(), "message": message_api,
                             "chat_instance": self.chat_instance(chat.id)}
        if data is not None:
            payload["data"] = data
        self.callback_queries[query_id] = CallbackQueryRecord(
            query_id, user.id, chat.id, message_id, data)
        return query_id, self.enqueue_update("callback_query", payload)

    def answer_callback(self, record: CallbackQueryRecord, *, text: str, show_alert: bool,
                        url: str | None) -> CallbackAnswer:
        record.answered = True
        answer = CallbackAnswer(record.id, record.user_id, record.chat_id, record.message_id,
                                record.data, text, show_alert, url)
        self.callback_answers.setdefault(record.user_id, []).append(answer)
        chat = self.chats.get(record.chat_id) if record.chat_id is not None else None
        if chat is not None:
            self._event(chat, "callback_answer", record.message_id, None, answer)
        return answer

    # ----------------------------------------------------------------- transcripts

    def transcript(self, chat: ChatState) -> str:
        lines = [f"--- {chat.label} ---"]
        for event in chat.events:
            if event.kind == "new" and event.message is not None:
                who = "bot" if event.message.from_bot else self.sender(event.message).first_name
                lines.append(f"#{event.message_id} {who}: {event.message.describe()}")
            elif event.kind == "edited" and event.message is not None:
                lines.append(f"#{event.message_id} bot (edit): {event.message.describe()}")
            elif event.kind == "deleted":
                lines.append(f"#{event.message_id} deleted")
            elif event.answer is not None:
                alert = " (alert)" if event.answer.show_alert else ""
                lines.append(f"#{event.message_id} answer to press {event.answer.data!r}: "
                             f"{event.answer.text!r}{alert}")
        if len(lines) == 1:
            lines.append("(no messages)")
        return "\n".join(lines)
