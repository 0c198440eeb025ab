"""The Bot API methods the emulator implements, with Telegram's checks and error texts.

Parameters arrive already decoded and checked against the schema (names, required fields,
types, nested objects); the checks here are Telegram's own rules on top: text lengths after
entity parsing, HTML, button and command limits, and the state of chats and messages.
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sandbox.emulator.model import (
    ApiError,
    ChatState,
    EmuMessage,
    FileData,
    JsonDict,
    bad_request,
    forbidden,
)
from sandbox.emulator.world import World
from sandbox.html_check import EntityParseError, ParsedText, parse_html, trim_parsed
from sandbox.schema import BotApiSchema, UploadedFile

__all__ = ["BotApi", "Handler"]

logger = logging.getLogger(__name__)

Handler = Callable[[JsonDict, Mapping[str, UploadedFile]], Awaitable[Any]]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
MAX_DOWNLOAD = 20 * 1024 * 1024
MAX_BUTTONS = 100
MAX_ROW = 8
MAX_COMMANDS = 100
MAX_POLL_TIMEOUT = 50
_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})
_NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                 "exactly the same as a current content and reply markup of the message")
_BUTTON_NON_ACTIONS = frozenset({"text", "icon_custom_emoji_id", "style"})
_KEYBOARD_REQUESTS = frozenset({"request_users", "request_chat", "request_managed_bot",
                                "request_contact", "request_location", "request_poll", "web_app"})
_TEXT_SETTINGS = {  # method suffix -> (result field, max length)
    "Description": ("description", 512),
    "ShortDescription": ("short_description", 120),
    "Name": ("name", 64),
}


def _formatted(text: str, parse_mode: str | None, entities: list[JsonDict] | None) -> ParsedText:
    """Visible text and entities after Telegram's entity parsing and trimming."""
    if entities:
        parsed = ParsedText(text, tuple(entities))
    elif parse_mode is None or parse_mode == "":
        parsed = ParsedText(text)
    elif parse_mode.lower() == "html":
        try:
            parsed = parse_html(text)
        except EntityParseError as error:
            raise bad_request(f"can't parse entities: {error}") from None
    elif parse_mode.lower() in ("markdown", "markdownv2"):
        # Not emulated: the text is taken as it is (see the package docstring).
        parsed = ParsedText(text)
    else:
        raise bad_request("unsupported parse_mode")
    return trim_parsed(parsed)


def _message_text(params: JsonDict) -> ParsedText:
    parsed = _formatted(params["text"], params.get("parse_mode"), params.get("entities"))
    if not parsed.text:
        raise bad_request("message text is empty")
    if len(parsed.text) > MAX_TEXT:
        raise bad_request(f"message is too long ({len(parsed.text)} characters after entity "
                          f"parsing, at most {MAX_TEXT})")
    return parsed


def _caption(params: Mapping[str, Any]) -> ParsedText:
    caption = params.get("caption")
    if caption is None:
        return ParsedText("")
    parsed = _formatted(caption, params.get("parse_mode"), params.get("caption_entities"))
    if len(parsed.text) > MAX_CAPTION:
        raise bad_request(f"message caption is too long ({len(parsed.text)} characters after "
                          f"entity parsing, at most {MAX_CAPTION})")
    return parsed


class BotApi:
    """Method handlers over a :class:`World`. ``call`` dispatches by canonical method name."""

    def __init__(self, world: World, schema: BotApiSchema) -> None:
        self.world = world
        self.schema = schema
        self.closing = False
        button = schema.types.get("InlineKeyboardButton")
        button_fields = (button.fields or {}) if button is not None else {}
        # The fields that give a button its action (callback_data, url, web_app, ...).
        self._button_actions = frozenset(set(button_fields) - _BUTTON_NON_ACTIONS)
        self.handlers: dict[str, Handler] = {
            "getMe": self.get_me, "logOut": self.log_out, "close": self.log_out,
            "getUpdates": self.get_updates, "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook, "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message, "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "sendDocument": self.send_document, "sendPhoto": self.send_photo,
            "sendMediaGroup": self.send_media_group, "sendChatAction": self.send_chat_action,
            "getFile": self.get_file, "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands, "deleteMyCommands": self.delete_my_commands,
            "setChatMenuButton": self.set_chat_menu_button,
            "getChatMenuButton": self.get_chat_menu_button,
            "copyMessage": self.copy_message, "forwardMessage": self.forward_message,
            "getChat": self.get_chat, "getChatMember": self.get_chat_member,
        }
        for suffix in _TEXT_SETTINGS:
            self.handlers[f"setMy{suffix}"] = self._text_setter(suffix)
            self.handlers[f"getMy{suffix}"] = self._text_getter(suffix)

    async def call(self, method: str, params: JsonDict,
                   uploads: Mapping[str, UploadedFile]) -> Any:
        handler = self.handlers.get(method)
        if handler is None:
            raise bad_request(f"method {method} is not supported by the emulator")
        return await handler(params, uploads)

    # ----------------------------------------------------------------- lookups

    def _chat(self, chat_id: Any) -> ChatState:
        if isinstance(chat_id, str) and re.fullmatch(r"-?[0-9]+", chat_id):
            chat_id = int(chat_id)
        chat = self.world.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _target(self, chat_id: Any) -> ChatState:
        """A chat the bot may send to now (403 for blocked or never-started users)."""
        chat = self._chat(chat_id)
        if chat.type == "private":
            if chat.id in self.world.blocked:
                raise forbidden("bot was blocked by the user")
            if chat.id not in self.world.started:
                raise forbidden("bot can't initiate conversation with a user")
        return chat

    def _bot_message(self, params: JsonDict,
                     *, verb: str = "edit") -> tuple[ChatState, EmuMessage]:
        if params.get("inline_message_id") is not None:
            raise bad_request("inline messages are not supported by the emulator")
        if params.get("chat_id") is None:
            raise bad_request("chat_id is empty")
        if params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        chat = self._chat(params["chat_id"])
        message = chat.messages.get(params["message_id"])
        if message is None:
            raise bad_request(f"message to {verb} not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return chat, message

    def _reply_to(self, chat: ChatState, params: JsonDict) -> int | None:
        reply = params.get("reply_parameters")
        if not reply:
            return None
        source = self._chat(reply["chat_id"]) if reply.get("chat_id") is not None else chat
        if reply["message_id"] in source.messages and source is chat:
            return int(reply["message_id"])
        if reply.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")

    # ----------------------------------------------------------------- markup

    def _markup(self, markup: JsonDict | None) -> JsonDict | None:
        """Telegram's rules for keyboards (the schema already checked the shapes)."""
        if markup is None:
            return None
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            self._check_size(rows)
            for row in rows:
                for button in row:
                    self._check_inline_button(button)
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            self._check_size(rows)
            for row in rows:
                for button in row:
                    if not button["text"]:
                        raise bad_request("keyboard button text must be non-empty")
                    requests = _KEYBOARD_REQUESTS.intersection(
                        k for k, v in button.items() if v not in (None, False))
                    if len(requests) > 1:
                        raise bad_request("can't parse keyboard button: only one of "
                                          f"{sorted(requests)} may be used")
        return markup

    @staticmethod
    def _check_size(rows: list[list[JsonDict]]) -> None:
        if sum(len(row) for row in rows) > MAX_BUTTONS:
            raise bad_request(f"reply markup is too long (more than {MAX_BUTTONS} buttons)")
        if any(len(row) > MAX_ROW for row in rows):
            raise bad_request(f"too many buttons in a row (at most {MAX_ROW})")

    def _check_inline_button(self, button: JsonDict) -> None:
        if not button["text"]:
            raise bad_request("can't parse inline keyboard button: button text must be "
                              "non-empty")
        actions = sorted(k for k in button if k in self._button_actions
                         and button[k] is not None)
        if not actions:
            raise bad_request("can't parse inline keyboard button: Text buttons are unallowed "
                              "in the inline keyboard")
        if len(actions) > 1:
            raise bad_request("can't parse inline keyboard button: exactly one of the optional "
                              f"fields must be used, got {', '.join(actions)}")
        data = button.get("callback_data")
        if data is not None:
            size = len(data.encode("utf-8"))
            if not 1 <= size <= MAX_CALLBACK_DATA:
                raise bad_request(f"BUTTON_DATA_INVALID (callback_data is {size} bytes, "
                                  f"must be 1-{MAX_CALLBACK_DATA})")
        url = button.get("url")
        if url is not None and not url.startswith(("http://", "https://", "tg://")):
            raise bad_request(f"BUTTON_URL_INVALID ({url!r})")

    def _remember_keyboard(self, chat: ChatState, markup: JsonDict | None) -> None:
        if markup is None:
            return
        if "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup.get("remove_keyboard"):
            chat.reply_keyboard = None

    # ----------------------------------------------------------------- files

    def _input_file(self, value: Any, uploads: Mapping[str, UploadedFile], kind: str,
                    declared_name: str | None = None) -> FileData | tuple[FileData, ...]:
        """Resolve an InputFile or String: an upload, ``attach://name``, or a file_id."""
        if isinstance(value, str) and value.startswith("attach://"):
            name = value.removeprefix("attach://")
            if name not in uploads:
                raise bad_request(f"file {value} not found in the request")
            value = uploads[name]
        if isinstance(value, UploadedFile):
            if kind == "photo":
                return self.world.add_photo(value.data)
            mime = value.content_type
            name = value.filename or declared_name or "document"
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return self.world.add_file("document", value.data, file_name=name, mime_type=mime)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content (the emulator cannot fetch URLs; "
                              "upload the file or use a file_id)")
        stored = self.world.file(str(value))
        return (stored,) if kind == "photo" else stored

    # ----------------------------------------------------------------- basic methods

    async def get_me(self, params: JsonDict, uploads: Mapping[str, UploadedFile]) -> JsonDict:
        return {**self.world.bot.to_api(), "can_join_groups": True,
                "can_read_all_group_messages": True, "supports_inline_queries": False,
                "can_connect_to_business": False, "has_main_web_app": False}

    async def log_out(self, params: JsonDict, uploads: Mapping[str, UploadedFile]) -> bool:
        return True

    # ----------------------------------------------------------------- updates and webhook

    async def get_updates(self, params: JsonDict,
                          uploads: Mapping[str, UploadedFile]) -> list[JsonDict]:
        world = self.world
        if world.settings.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        if params.get("allowed_updates") is not None:
            world.settings.allowed_updates = list(params["allowed_updates"])
        world.confirm(int(params.get("offset") or 0))
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = min(max(float(params.get("timeout") or 0), 0.0), MAX_POLL_TIMEOUT)
        world.poll_generation += 1
        generation = world.poll_generation
        world.updates_signal.notify()  # an older long poll still waiting now ends with 409
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = world.peek_updates(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self.closing or world.settings.webhook_url:
                return [update.payload for update in batch]
            await world.updates_signal.wait(remaining)
            if world.poll_generation != generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure "
                                    "that only one bot instance is running")

    async def set_webhook(self, params: JsonDict, uploads: Mapping[str, UploadedFile]) -> bool:
        settings = self.world.settings
        url: str = params["url"]
        secret = params.get("secret_token")
        if url and not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = params.get("max_connections")
        if max_connections is not None and not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be 1-100")
        if params.get("drop_pending_updates"):
            self.world.drop_pending()
        if params.get("allowed_updates") is not None:
            settings.allowed_updates = list(params["allowed_updates"])
        settings.webhook_url = url
        settings.webhook_secret = secret if url else None
        settings.webhook_max_connections = max_connections or 40
        settings.last_error_date = settings.last_error_message = None
        self.world.updates_signal.notify()
        return True

    async def delete_webhook(self, params: JsonDict,
                             uploads: Mapping[str, UploadedFile]) -> bool:
        settings = self.world.settings
        if params.get("drop_pending_updates"):
            self.world.drop_pending()
        settings.webhook_url = ""
        settings.webhook_secret = None
        settings.last_error_date = settings.last_error_message = None
        self.world.updates_signal.notify()
        return True

    async def get_webhook_info(self, params: JsonDict,
                               uploads: Mapping[str, UploadedFile]) -> JsonDict:
        settings = self.world.settings
        info: JsonDict = {"url": settings.webhook_url, "has_custom_certificate": False,
                          "pending_update_count": self.world.pending_count}
        if settings.webhook_url:
            info["max_connections"] = settings.webhook_max_connections
            if settings.allowed_updates:
                info["allowed_updates"] = list(settings.allowed_updates)
        if settings.last_error_date is not None:
            info["last_error_date"] = settings.last_error_date
            info["last_error_message"] = settings.last_error_message
        return info

    # ----------------------------------------------------------------- sending

    async def send_message(self, params: JsonDict,
                           uploads: Mapping[str, UploadedFile]) -> JsonDict:
        parsed = _message_text(params)
        markup = self._markup(params.get("reply_markup"))
        chat = self._target(params["chat_id"])
        reply_to = self._reply_to(chat, params)
        message = self.world.new_message(
            chat, self.world.bot, text=parsed.text, html=params["text"],
            text_entities=parsed.entities, parse_mode=params.get("parse_mode"),
            reply_markup=markup, reply_to_message_id=reply_to)
        self._remember_keyboard(chat, markup)
        return dict(message.api)

    async def send_document(self, params: JsonDict,
                            uploads: Mapping[str, UploadedFile]) -> JsonDict:
        caption = _caption(params)
        markup = self._markup(params.get("reply_markup"))
        chat = self._target(params["chat_id"])
        reply_to = self._reply_to(chat, params)
        document = self._input_file(params["document"], uploads, "document")
        if isinstance(document, tuple):  # a photo's file_id sent as a document
            document = document[-1]
        message = self.world.new_message(
            chat, self.world.bot, text=caption.text, html=params.get("caption") or "",
            text_entities=caption.entities, parse_mode=params.get("parse_mode"),
            reply_markup=markup, reply_to_message_id=reply_to, document=document)
        self._remember_keyboard(chat, markup)
        return dict(message.api)

    async def send_photo(self, params: JsonDict,
                         uploads: Mapping[str, UploadedFile]) -> JsonDict:
        caption = _caption(params)
        markup = self._markup(params.get("reply_markup"))
        chat = self._target(params["chat_id"])
        reply_to = self._reply_to(chat, params)
        sizes = self._input_file(params["photo"], uploads, "photo")
        message = self.world.new_message(
            chat, self.world.bot, text=caption.text, html=params.get("caption") or "",
            text_entities=caption.entities, parse_mode=params.get("parse_mode"),
            reply_markup=markup, reply_to_message_id=reply_to,
            photo_sizes=sizes if isinstance(sizes, tuple) else (sizes,))
        self._remember_keyboard(chat, markup)
        return dict(message.api)

    async def send_media_group(self, params: JsonDict,
                               uploads: Mapping[str, UploadedFile]) -> list[JsonDict]:
        media: list[JsonDict] = params["media"]
        if not 2 <= len(media) <= 10:
            raise bad_request("wrong number of messages in a media group: must be 2-10")
        kinds = {item["type"] for item in media}
        if not kinds <= {"photo", "document"}:
            raise bad_request(f"media of type {sorted(kinds)} is not supported by the emulator")
        if len(kinds) > 1:
            raise bad_request("documents can't be mixed with other media types")
        captions = [_caption(item) for item in media]
        chat = self._target(params["chat_id"])
        reply_to = self._reply_to(chat, params)
        files = [self._input_file(item["media"], uploads, item["type"]) for item in media]
        group_id = self.world.next_media_group_id()
        results: list[JsonDict] = []
        for item, caption, stored in zip(media, captions, files, strict=True):
            content: JsonDict = {}
            if isinstance(stored, tuple):
                content["photo_sizes"] = stored
            else:
                content["document"] = stored
            message = self.world.new_message(
                chat, self.world.bot, text=caption.text, html=item.get("caption") or "",
                text_entities=caption.entities, parse_mode=item.get("parse_mode"),
                media_group_id=group_id, reply_to_message_id=reply_to, **content)
            results.append(dict(message.api))
        return results

    async def send_chat_action(self, params: JsonDict,
                               uploads: Mapping[str, UploadedFile]) -> bool:
        chat = self._target(params["chat_id"])
        if params["action"] not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.last_action = params["action"]
        return True

    async def copy_message(self, params: JsonDict,
                           uploads: Mapping[str, UploadedFile]) -> JsonDict:
        source = self._chat(params["from_chat_id"]).messages.get(params["message_id"])
        if source is None:
            raise bad_request("message to copy not found")
        markup = self._markup(params.get("reply_markup"))
        chat = self._target(params["chat_id"])
        content: JsonDict = {"text": source.text, "html": source.html,
                             "text_entities": source.text_entities,
                             "parse_mode": source.parse_mode}
        if "caption" in params and source.has_media:
            caption = _caption(params)
            content = {"text": caption.text, "html": params.get("caption") or "",
                       "text_entities": caption.entities,
                       "parse_mode": params.get("parse_mode")}
        message = self.world.new_message(
            chat, self.world.bot, reply_markup=markup,
            reply_to_message_id=self._reply_to(chat, params), document=source.document,
            photo_sizes=source.photo_sizes, sticker=source.sticker, voice=source.voice,
            contact=source.contact, location=source.location, **content)
        self._remember_keyboard(chat, markup)
        return {"message_id": message.message_id}

    async def forward_message(self, params: JsonDict,
                              uploads: Mapping[str, UploadedFile]) -> JsonDict:
        source = self._chat(params["from_chat_id"]).messages.get(params["message_id"])
        if source is None:
            raise bad_request("message to forward not found")
        chat = self._target(params["chat_id"])
        origin = {"type": "user", "date": source.date,
                  "sender_user": self.world.sender(source).to_api()}
        message = self.world.new_message(
            chat, self.world.bot, text=source.text, html=source.html,
            text_entities=source.text_entities, parse_mode=source.parse_mode,
            document=source.document, photo_sizes=source.photo_sizes, sticker=source.sticker,
            voice=source.voice, contact=source.contact, location=source.location,
            forward_origin=origin)
        return dict(message.api)

    # ----------------------------------------------------------------- editing

    def _not_modified(self, message: EmuMessage, text: ParsedText,
                      markup: JsonDict | None) -> bool:
        return (message.text == text.text and tuple(message.text_entities) == text.entities
                and (message.reply_markup or None) == (markup or None))

    async def edit_message_text(self, params: JsonDict,
                                uploads: Mapping[str, UploadedFile]) -> JsonDict:
        if params.get("text") is None:
            raise bad_request("message text is empty")
        parsed = _message_text(params)
        markup = self._markup(params.get("reply_markup"))
        chat, message = self._bot_message(params)
        if message.has_media:
            raise bad_request("there is no text in the message to edit")
        if self._not_modified(message, parsed, markup):
            raise bad_request(_NOT_MODIFIED)
        edited = self.world.edit_message(
            chat, message, text=parsed.text, html=params["text"], text_entities=parsed.entities,
            parse_mode=params.get("parse_mode"), reply_markup=markup)
        return dict(edited.api)

    async def edit_message_caption(self, params: JsonDict,
                                   uploads: Mapping[str, UploadedFile]) -> JsonDict:
        caption = _caption(params)
        markup = self._markup(params.get("reply_markup"))
        chat, message = self._bot_message(params)
        if not message.has_media:
            raise bad_request("there is no caption in the message to edit")
        if self._not_modified(message, caption, markup):
            raise bad_request(_NOT_MODIFIED)
        edited = self.world.edit_message(
            chat, message, text=caption.text, html=params.get("caption") or "",
            text_entities=caption.entities, parse_mode=params.get("parse_mode"),
            reply_markup=markup)
        return dict(edited.api)

    async def edit_message_reply_markup(self, params: JsonDict,
                                        uploads: Mapping[str, UploadedFile]) -> JsonDict:
        markup = self._markup(params.get("reply_markup"))
        chat, message = self._bot_message(params)
        if (message.reply_markup or None) == (markup or None):
            raise bad_request(_NOT_MODIFIED)
        edited = self.world.edit_message(chat, message, reply_markup=markup)
        return dict(edited.api)

    async def delete_message(self, params: JsonDict,
                             uploads: Mapping[str, UploadedFile]) -> bool:
        chat = self._chat(params["chat_id"])
        if not self.world.delete_message(chat, params["message_id"]):
            raise bad_request("message to delete not found")
        return True

    # ----------------------------------------------------------------- callback queries

    async def answer_callback_query(self, params: JsonDict,
                                    uploads: Mapping[str, UploadedFile]) -> bool:
        record = self.world.callback_queries.get(params["callback_query_id"])
        if record is None or record.answered:
            raise bad_request("query is too old and response timeout expired or query ID is "
                              "invalid")
        text = params.get("text") or ""
        if len(text) > MAX_CALLBACK_ANSWER:
            raise bad_request(f"MESSAGE_TOO_LONG (callback answer text is {len(text)} "
                              f"characters, at most {MAX_CALLBACK_ANSWER})")
        self.world.answer_callback(record, text=text, show_alert=bool(params.get("show_alert")),
                                   url=params.get("url"))
        return True

    # ----------------------------------------------------------------- files

    async def get_file(self, params: JsonDict, uploads: Mapping[str, UploadedFile]) -> JsonDict:
        stored = self.world.file(params["file_id"])
        result: JsonDict = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                            "file_size": stored.file_size}
        if stored.file_size > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        result["file_path"] = self.world.file_path(stored)
        return result

    # ----------------------------------------------------------------- commands and menus

    @staticmethod
    def _command_key(params: JsonDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        language = params.get("language_code") or ""
        if language and not _LANGUAGE_RE.fullmatch(language):
            raise bad_request(f"invalid language code {language!r}: use two-letter ISO 639-1 "
                              "or an empty string")
        return json.dumps(scope, sort_keys=True), language

    async def set_my_commands(self, params: JsonDict,
                              uploads: Mapping[str, UploadedFile]) -> bool:
        commands: list[JsonDict] = params["commands"]
        if len(commands) > MAX_COMMANDS:
            raise bad_request(f"too many commands ({len(commands)}, at most {MAX_COMMANDS})")
        for command in commands:
            if not _COMMAND_NAME_RE.fullmatch(command["command"]):
                raise bad_request(f"BOT_COMMAND_INVALID ({command['command']!r} must match "
                                  "[a-z0-9_]{1,32})")
            if not 1 <= len(command["description"]) <= 256:
                raise bad_request(f"BOT_COMMAND_DESCRIPTION_INVALID (description of "
                                  f"/{command['command']} must be 1-256 characters)")
        key = self._command_key(params)
        if commands:
            self.world.settings.commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands]
        else:
            self.world.settings.commands.pop(key, None)
        return True

    async def get_my_commands(self, params: JsonDict,
                              uploads: Mapping[str, UploadedFile]) -> list[JsonDict]:
        return list(self.world.settings.commands.get(self._command_key(params), []))

    async def delete_my_commands(self, params: JsonDict,
                                 uploads: Mapping[str, UploadedFile]) -> bool:
        self.world.settings.commands.pop(self._command_key(params), None)
        return True

    async def set_chat_menu_button(self, params: JsonDict,
                                   uploads: Mapping[str, UploadedFile]) -> bool:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            self._chat(chat_id)
        self.world.settings.menu_buttons[chat_id] = params.get("menu_button") or {
            "type": "default"}
        return True

    async def get_chat_menu_button(self, params: JsonDict,
                                   uploads: Mapping[str, UploadedFile]) -> JsonDict:
        buttons = self.world.settings.menu_buttons
        chat_id = params.get("chat_id")
        return dict(buttons.get(chat_id) or buttons.get(None) or {"type": "default"})

    def _text_setter(self, suffix: str) -> Handler:
        field_name, limit = _TEXT_SETTINGS[suffix]
        kind = suffix.lower()

        async def setter(params: JsonDict, uploads: Mapping[str, UploadedFile]) -> bool:
            value = params.get(field_name) or ""
            if len(value) > limit:
                raise bad_request(f"{field_name} is too long (at most {limit} characters)")
            key = (kind, self._command_key(params)[1])
            if value:
                self.world.settings.texts[key] = value
            else:
                self.world.settings.texts.pop(key, None)
            return True

        return setter

    def _text_getter(self, suffix: str) -> Handler:
        field_name, _ = _TEXT_SETTINGS[suffix]
        kind = suffix.lower()

        async def getter(params: JsonDict, uploads: Mapping[str, UploadedFile]) -> JsonDict:
            language = self._command_key(params)[1]
            texts = self.world.settings.texts
            default = self.world.bot.first_name if kind == "name" else ""
            value = texts.get((kind, language)) or texts.get((kind, "")) or default
            return {field_name: value}

        return getter

    # ----------------------------------------------------------------- chats

    async def get_chat(self, params: JsonDict, uploads: Mapping[str, UploadedFile]) -> JsonDict:
        chat = self._chat(params["chat_id"])
        return {**chat.to_api(), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False,
                                        "gifts_from_channels": False}}

    async def get_chat_member(self, params: JsonDict,
                              uploads: Mapping[str, UploadedFile]) -> JsonDict:
        chat = self._chat(params["chat_id"])
        user_id: int = params["user_id"]
        if user_id == self.world.bot.id:
            user = self.world.bot
        elif user_id in self.world.users:
            user = self.world.users[user_id]
        else:
            raise bad_request("user not found")
        member = (user_id in chat.member_ids or user_id == self.world.bot.id
                  or (chat.type == "private" and user_id == chat.id))
        return {"status": "member" if member else "left", "user": user.to_api()}
