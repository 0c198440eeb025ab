"""Plain data of the emulated Telegram world: people, chats, files, messages, records."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sandbox.schema import UploadedFile

__all__ = [
    "ApiError",
    "CallbackAnswer",
    "CallbackQueryRecord",
    "ChatEvent",
    "ChatState",
    "EmuMessage",
    "Fault",
    "FileData",
    "JsonDict",
    "PendingUpdate",
    "Refusal",
    "Signal",
    "UserRecord",
    "bad_request",
    "forbidden",
    "summarize",
]

JsonDict = dict[str, Any]
ButtonRef = tuple[str, str | None]
_SUMMARY_LIMIT = 300


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": self.error_code,
                          "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: {message}")


def forbidden(message: str) -> ApiError:
    return ApiError(403, f"Forbidden: {message}")


class Signal:
    """Wakes every waiter on :meth:`notify` (an :class:`asyncio.Event` renewed each time)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> bool:
        """Wait for the next :meth:`notify`; ``False`` if ``seconds`` passed first."""
        if seconds <= 0:
            return False
        try:
            async with asyncio.timeout(seconds):
                await self._event.wait()
        except TimeoutError:
            return False
        return True


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A Telegram account (a simulated person or the bot itself)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_api(self) -> JsonDict:
        user: JsonDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code and not self.is_bot:
            user["language_code"] = self.language_code
        return user

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass(frozen=True, slots=True)
class FileData:
    """A stored file. ``file_size`` is the declared size (tests may lie about it)."""

    file_id: str
    file_unique_id: str
    kind: Literal["document", "photo", "sticker", "voice", "file"]
    data: bytes = field(repr=False)
    file_size: int
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    emoji: str | None = None
    duration: int = 0

    def document_api(self) -> JsonDict:
        doc: JsonDict = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        doc["file_size"] = self.file_size
        return doc

    def photo_size_api(self) -> JsonDict:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
                "file_size": self.file_size, "width": self.width, "height": self.height}


@dataclass(frozen=True, slots=True)
class EmuMessage:
    """One message as it currently is (or was, in an event). Edits produce a new object.

    ``text`` is the visible text (of the text or the caption), ``html`` the raw text as sent
    (with its HTML markup), ``reply_markup`` whatever markup was sent (inline or reply
    keyboard), ``api`` the Telegram ``Message`` dict the bot receives.
    """

    message_id: int
    chat_id: int
    sender_id: int
    from_bot: bool
    date: int
    text: str = ""
    html: str = ""
    text_entities: tuple[JsonDict, ...] = field(default=(), repr=False)
    parse_mode: str | None = None
    reply_markup: JsonDict | None = None
    document: FileData | None = None
    photo_sizes: tuple[FileData, ...] = ()
    sticker: FileData | None = None
    voice: FileData | None = None
    contact: JsonDict | None = None
    location: JsonDict | None = None
    media_group_id: str | None = None
    reply_to_message_id: int | None = None
    forward_origin: JsonDict | None = None
    edited: bool = False
    edit_date: int | None = None
    api: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def photo(self) -> FileData | None:
        """The largest photo size, if this is a photo."""
        return self.photo_sizes[-1] if self.photo_sizes else None

    @property
    def caption(self) -> str | None:
        caption = self.api.get("caption")
        return caption if isinstance(caption, str) else None

    @property
    def entities(self) -> list[JsonDict]:
        return list(self.text_entities)

    @property
    def has_media(self) -> bool:
        return any(x is not None for x in (self.document, self.photo, self.sticker, self.voice,
                                           self.contact, self.location))

    @property
    def kind(self) -> str:
        kinds = {"document": self.document, "photo": self.photo, "sticker": self.sticker,
                 "voice": self.voice, "contact": self.contact, "location": self.location}
        return next((name for name, value in kinds.items() if value is not None), "text")

    @property
    def button_rows(self) -> list[list[ButtonRef]]:
        """Buttons by row: (label, callback_data or url) for inline keyboards,
        (label, None) for reply keyboards."""
        markup = self.reply_markup or {}
        rows: list[list[JsonDict]] = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [[(b["text"], b.get("callback_data", b.get("url"))) for b in row] for row in rows]

    @property
    def buttons(self) -> list[ButtonRef]:
        return [button for row in self.button_rows for button in row]

    def inline_button(
        self, label: str | None = None, *, callback_data: str | None = None
    ) -> JsonDict | None:
        """The inline button with this label (or callback data), if any."""
        for row in (self.reply_markup or {}).get("inline_keyboard") or []:
            for button in row:
                if label is not None and button.get("text") == label:
                    return dict(button)
                if callback_data is not None and button.get("callback_data") == callback_data:
                    return dict(button)
        return None

    def describe(self) -> str:
        """One transcript line's worth of content."""
        parts: list[str] = []
        if self.document is not None:
            parts.append(f"[document {self.document.file_name} {self.document.file_size} B]")
        if self.photo is not None:
            parts.append(f"[photo {self.photo.width}x{self.photo.height}]")
        if self.sticker is not None:
            parts.append(f"[sticker {self.sticker.emoji or ''}]")
        if self.voice is not None:
            parts.append("[voice]")
        if self.contact is not None:
            parts.append(f"[contact {self.contact.get('phone_number')} "
                         f"user_id={self.contact.get('user_id')}]")
        if self.location is not None:
            parts.append(f"[location {self.location['latitude']},{self.location['longitude']}]")
        if self.text:
            parts.append(self.text)
        if self.buttons:
            parts.append(" ".join(f"[{label}]" for label, _ in self.buttons))
        if self.edited:
            parts.append("(edited)")
        return " ".join(parts)


@dataclass(slots=True)
class ChatState:
    """A chat the bot knows: a private chat (id = the user's id) or a group (negative id)."""

    id: int
    type: Literal["private", "group", "supergroup"]
    title: str | None = None
    user: UserRecord | None = None
    member_ids: list[int] = field(default_factory=list)
    next_message_id: int = 1
    messages: dict[int, EmuMessage] = field(default_factory=dict)
    events: list[ChatEvent] = field(default_factory=list)
    reply_keyboard: JsonDict | None = None
    last_action: str | None = None
    menu_button: JsonDict | None = None

    def to_api(self) -> JsonDict:
        if self.type == "private" and self.user is not None:
            chat: JsonDict = {"id": self.id, "type": "private",
                              "first_name": self.user.first_name}
            if self.user.last_name:
                chat["last_name"] = self.user.last_name
            if self.user.username:
                chat["username"] = self.user.username
            return chat
        return {"id": self.id, "type": self.type, "title": self.title or ""}

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    @property
    def label(self) -> str:
        if self.user is not None:
            return f"private chat with {self.user.full_name} ({self.id})"
        return f"group {self.title!r} ({self.id})"


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """What the bot answered (answerCallbackQuery) to one button press."""

    query_id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str | None
    text: str
    show_alert: bool = False
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ChatEvent:
    """Something visible happened in a chat: a message appeared, changed or went away, or a
    button press got an answer. ``seq`` is global and increasing."""

    seq: int
    kind: Literal["new", "edited", "deleted", "callback_answer"]
    chat_id: int
    message_id: int | None
    message: EmuMessage | None = None
    answer: CallbackAnswer | None = None


@dataclass(slots=True)
class CallbackQueryRecord:
    id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str | None
    answered: bool = False


@dataclass(frozen=True, slots=True)
class PendingUpdate:
    update_id: int
    kind: str
    payload: JsonDict


@dataclass(frozen=True, slots=True)
class Refusal:
    """A request the emulator refused (never an injected fault)."""

    method: str
    params: Mapping[str, Any]
    description: str
    error_code: int = 400

    def __str__(self) -> str:
        return f"{self.method}({dict(self.params)}) -> {self.error_code} {self.description}"


@dataclass(slots=True)
class Fault:
    """An injected fault for the next ``remaining`` calls of a method."""

    status: int | None
    retry_after: int | None
    delay: float
    remaining: int
    description: str | None = None


def summarize(value: Any) -> Any:
    """A printable, bounded copy of request parameters (files as descriptions)."""
    if isinstance(value, UploadedFile):
        return f"<file {value.filename!r}, {value.size} bytes>"
    if isinstance(value, str) and len(value) > _SUMMARY_LIMIT:
        return f"{value[:_SUMMARY_LIMIT]}… ({len(value)} characters)"
    if isinstance(value, Mapping):
        return {key: summarize(item) for key, item in value.items()}
    if isinstance(value, list):
        return [summarize(item) for item in value]
    return value
