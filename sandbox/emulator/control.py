"""The ``/_emu/`` HTTP control API, for the browser web chat and out-of-process tests.

Every answer is JSON ``{"ok": true, "result": ...}`` or ``{"ok": false, "error": "..."}``
(status 400 or 404), with ``Access-Control-Allow-Origin: *``. The routes are documented in
the package docstring of :mod:`sandbox.emulator`, plus two the web chat uses:

- ``POST /_emu/press_keyboard`` ``{user_id, chat_id?, label, phone_number?}`` → ``{messages:
  [message]}``: tap a reply keyboard button (a ``request_contact`` button shares the own
  contact with ``phone_number``).
- ``GET  /_emu/commands?chat_type=private|group&language_code=vi`` → the bot's command list a
  client shows there (narrowest scope and language the bot set, down to the default).
"""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from sandbox.emulator.model import (
    CallbackAnswer,
    ChatEvent,
    EmuMessage,
    FileData,
    JsonDict,
    summarize,
)

if TYPE_CHECKING:
    from sandbox.emulator.people import SimulatedUser
    from sandbox.emulator.server import BotApiEmulator

__all__ = ["ControlApi"]

_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
}
_MAX_EVENT_WAIT = 60.0

RouteHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result},
                             dumps=lambda v: json.dumps(v, ensure_ascii=False))


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ControlError(f"{name} must be an integer") from None


class ControlApi:
    """Handlers of ``/_emu/*`` over one emulator."""

    def __init__(self, emulator: BotApiEmulator) -> None:
        self.emulator = emulator

    def add_routes(self, app: web.Application) -> None:
        routes: list[tuple[str, str, RouteHandler]] = [
            ("GET", "/_emu/info", self.info),
            ("GET", "/_emu/users", self.list_users),
            ("POST", "/_emu/users", self.create_user),
            ("POST", "/_emu/groups", self.create_group),
            ("GET", "/_emu/chats", self.list_chats),
            ("GET", "/_emu/chats/{chat_id}/messages", self.chat_messages),
            ("POST", "/_emu/send", self.send),
            ("POST", "/_emu/press", self.press),
            ("POST", "/_emu/press_keyboard", self.press_keyboard),
            ("GET", "/_emu/commands", self.commands),
            ("POST", "/_emu/block", self.block),
            ("GET", "/_emu/events", self.events),
            ("GET", "/_emu/files/{file_id}", self.file),
            ("POST", "/_emu/inject", self.inject),
            ("POST", "/_emu/down", self.down),
            ("POST", "/_emu/reset", self.reset),
            ("GET", "/_emu/refused", self.refused),
            ("GET", "/_emu/requests", self.requests),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, handler)

    @web.middleware
    async def middleware(self, request: web.Request, handler: RouteHandler) -> web.StreamResponse:
        if not request.path.startswith("/_emu/"):
            return await handler(request)
        if request.method == "OPTIONS":
            response: web.StreamResponse = web.Response(status=204)
        else:
            try:
                response = await handler(request)
            except ControlError as error:
                response = web.json_response({"ok": False, "error": str(error)},
                                             status=error.status)
            except (KeyError, LookupError, ValueError, RuntimeError) as error:
                message = error.args[0] if error.args else repr(error)
                response = web.json_response({"ok": False, "error": str(message)}, status=400)
            except web.HTTPException as error:
                response = web.json_response({"ok": False, "error": error.reason},
                                             status=error.status)
        response.headers.update(_CORS)
        return response

    # ----------------------------------------------------------------- JSON shapes

    def file_json(self, stored: FileData) -> JsonDict:
        return {"file_id": stored.file_id, "name": stored.file_name,
                "mime_type": stored.mime_type, "size": stored.file_size,
                "width": stored.width or None, "height": stored.height or None,
                "url": f"{self.emulator.control_url}/files/{stored.file_id}"}

    def message_json(self, message: EmuMessage) -> JsonDict:
        sender = self.emulator.world.sender(message)
        markup = message.reply_markup or {}
        is_html = (message.parse_mode or "").lower() == "html"
        return {
            "id": message.message_id,
            "chat_id": message.chat_id,
            "from_bot": message.from_bot,
            "from": {"id": sender.id, "first_name": sender.first_name},
            "date": message.date,
            "kind": message.kind,
            "text": message.text,
            "html": message.html.strip() if is_html else html.escape(message.text),
            "buttons": [[dict(b) for b in row] for row in markup.get("inline_keyboard", [])],
            "keyboard": ([[dict(b) for b in row] for row in markup["keyboard"]]
                         if "keyboard" in markup else None),
            "document": self.file_json(message.document) if message.document else None,
            "photo": self.file_json(message.photo) if message.photo else None,
            "sticker": {"emoji": message.sticker.emoji} if message.sticker else None,
            "voice": ({**self.file_json(message.voice), "duration": message.voice.duration}
                      if message.voice else None),
            "contact": message.contact,
            "location": message.location,
            "media_group_id": message.media_group_id,
            "reply_to_message_id": message.reply_to_message_id,
            "edited": message.edited,
        }

    @staticmethod
    def answer_json(answer: CallbackAnswer) -> JsonDict:
        return {"query_id": answer.query_id, "user_id": answer.user_id,
                "message_id": answer.message_id, "data": answer.data, "text": answer.text,
                "show_alert": answer.show_alert, "url": answer.url}

    def event_json(self, event: ChatEvent) -> JsonDict:
        kind = "callback_answer" if event.kind == "callback_answer" else f"message_{event.kind}"
        return {
            "seq": event.seq,
            "type": kind,
            "chat_id": event.chat_id,
            "message_id": event.message_id,
            "message": self.message_json(event.message) if event.message else None,
            "notice": self.answer_json(event.answer) if event.answer else None,
        }

    @staticmethod
    def user_json(person: SimulatedUser) -> JsonDict:
        record = person.record
        return {"id": record.id, "first_name": record.first_name,
                "last_name": record.last_name, "username": record.username,
                "language_code": record.language_code, "chat_id": person.chat_id,
                "blocked": person.is_blocked}

    # ----------------------------------------------------------------- helpers

    @staticmethod
    async def _body(request: web.Request) -> JsonDict:
        if not request.can_read_body:
            return {}
        try:
            body = await request.json()
        except ValueError:
            raise ControlError("the body must be a JSON object") from None
        if not isinstance(body, dict):
            raise ControlError("the body must be a JSON object")
        return body

    def _person(self, user_id: Any) -> SimulatedUser:
        try:
            return self.emulator.get_user(_int(user_id, "user_id"))
        except KeyError as error:
            raise ControlError(str(error.args[0]), 404) from None

    # ----------------------------------------------------------------- routes

    async def info(self, request: web.Request) -> web.Response:
        emulator = self.emulator
        return _ok({"bot": emulator.world.bot.to_api(), "base_url": emulator.base_url,
                    "base_file_url": emulator.base_file_url, "webhook_url": emulator.webhook_url,
                    "pending_updates": emulator.pending_updates, "down": emulator.down,
                    "schema_version": emulator.schema.version,
                    "last_seq": emulator.world.event_seq})

    async def list_users(self, request: web.Request) -> web.Response:
        return _ok([self.user_json(person) for person in self.emulator.users])

    async def create_user(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        person = self.emulator.user(
            str(body.get("first_name") or "Patient"), last_name=body.get("last_name"),
            username=body.get("username"), language_code=body.get("language_code", "en"),
            user_id=_int(body["user_id"], "user_id") if body.get("user_id") is not None
            else None,
            started=bool(body.get("started", True)))
        return _ok(self.user_json(person))

    async def create_group(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        members = [self._person(uid) for uid in body.get("member_ids", [])]
        chat_id = body.get("chat_id")
        group = self.emulator.group(
            str(body.get("title") or "Coordinators"), members,
            chat_id=_int(chat_id, "chat_id") if chat_id is not None else None)
        return _ok({"id": group.id, "title": group.title, "member_ids": group.member_ids})

    async def list_chats(self, request: web.Request) -> web.Response:
        return _ok([{**chat.to_api(), "member_ids": chat.member_ids}
                    for chat in self.emulator.world.chats.values()])

    async def chat_messages(self, request: web.Request) -> web.Response:
        world = self.emulator.world
        chat_id = _int(request.match_info["chat_id"], "chat_id")
        chat = world.chats.get(chat_id)
        if chat is None:
            raise ControlError(f"no chat with id {chat_id}", 404)
        after = _int(request.query.get("after", "0"), "after")
        messages = [self.message_json(m) for m in chat.messages.values() if m.message_id > after]
        notices = [self.answer_json(e.answer) for e in chat.events if e.answer is not None]
        keyboard = chat.reply_keyboard
        return _ok({"chat": chat.to_api(), "messages": messages, "notices": notices,
                    "reply_keyboard": keyboard["keyboard"] if keyboard else None,
                    "last_seq": world.event_seq})

    async def send(self, request: web.Request) -> web.Response:
        if request.content_type == "multipart/form-data":
            return await self._send_files(request)
        body = await self._body(request)
        person = self._person(body.get("user_id"))
        chat = _int(body["chat_id"], "chat_id") if body.get("chat_id") is not None else None
        if body.get("text") is not None:
            message = await person.send_text(str(body["text"]), chat=chat,
                                             reply_to=body.get("reply_to_message_id"))
        elif body.get("sticker") is not None:
            message = await person.send_sticker(str(body["sticker"] or "👍"), chat=chat)
        elif body.get("voice") is not None:
            message = await person.send_voice(chat=chat)
        elif isinstance(body.get("contact"), dict):
            contact = body["contact"]
            message = await person.send_contact(
                str(contact["phone_number"]), user_id=contact.get("user_id"),
                first_name=contact.get("first_name"), last_name=contact.get("last_name"),
                chat=chat)
        elif isinstance(body.get("location"), dict):
            location = body["location"]
            message = await person.send_location(float(location["latitude"]),
                                                 float(location["longitude"]), chat=chat)
        else:
            raise ControlError("send needs text, sticker, voice, contact or location "
                               "(or a multipart document/photo)")
        return _ok({"messages": [self.message_json(message)]})

    async def _send_files(self, request: web.Request) -> web.Response:
        form = await request.post()
        person = self._person(form.get("user_id"))
        chat_field = form.get("chat_id")
        chat = _int(chat_field, "chat_id") if isinstance(chat_field, str) and chat_field else None
        caption_field = form.get("caption")
        caption = caption_field if isinstance(caption_field, str) and caption_field else None
        declared = form.get("declared_size")
        declared_size = _int(declared, "declared_size") if isinstance(declared, str) else None
        documents = [f for f in form.getall("document", []) if isinstance(f, web.FileField)]
        photos = [f for f in form.getall("photo", []) if isinstance(f, web.FileField)]
        if documents:
            field = documents[0]
            messages = [await person.send_document(
                field.file.read(), field.filename or "document", field.content_type or None,
                caption, declared_size, chat=chat)]
        elif len(photos) > 1:
            messages = await person.send_album([p.file.read() for p in photos], caption,
                                               chat=chat)
        elif photos:
            messages = [await person.send_photo(photos[0].file.read(), caption,
                                                declared_size=declared_size, chat=chat)]
        else:
            raise ControlError('multipart send needs a "document" or "photo" file part')
        return _ok({"messages": [self.message_json(m) for m in messages]})

    async def press(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        person = self._person(body.get("user_id"))
        chat = _int(body["chat_id"], "chat_id") if body.get("chat_id") is not None else None
        message_id = _int(body.get("message_id"), "message_id")
        if body.get("label") is not None:
            query_id = await person.press(message_id, str(body["label"]), chat=chat)
        elif body.get("callback_data") is not None:
            query_id = await person.press_data(str(body["callback_data"]),
                                               message_id=message_id, chat=chat)
        else:
            raise ControlError("press needs callback_data or label")
        return _ok({"callback_query_id": query_id})

    async def press_keyboard(self, request: web.Request) -> web.Response:
        """Tap a reply keyboard button: its text, or the own contact for ``request_contact``
        (with ``phone_number``), as :meth:`SimulatedUser.press_keyboard`."""
        body = await self._body(request)
        person = self._person(body.get("user_id"))
        chat = _int(body["chat_id"], "chat_id") if body.get("chat_id") is not None else None
        if body.get("label") is None:
            raise ControlError("press_keyboard needs label")
        phone = body.get("phone_number")
        message = await person.press_keyboard(
            str(body["label"]), chat=chat,
            **({"phone_number": str(phone)} if phone is not None else {}))
        return _ok({"messages": [self.message_json(message)]})

    async def commands(self, request: web.Request) -> web.Response:
        """The command list a client would show: ``chat_type`` (private or group) and
        ``language_code``, looked up from the narrowest scope the bot set to the default."""
        chat_type = request.query.get("chat_type", "private")
        language = request.query.get("language_code", "")
        chats = "all_private_chats" if chat_type == "private" else "all_group_chats"
        for scope in ({"type": chats}, {"type": "default"}):
            for code in dict.fromkeys((language, "")):
                found = self.emulator.commands(scope, code)
                if found:
                    return _ok(found)
        return _ok([])

    async def block(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        person = self._person(body.get("user_id"))
        if body.get("blocked", True):
            person.block_bot()
        else:
            person.unblock_bot()
        return _ok(self.user_json(person))

    async def events(self, request: web.Request) -> web.Response:
        world = self.emulator.world
        since = _int(request.query.get("since", "0"), "since")
        chat_field = request.query.get("chat_id")
        chat_id = _int(chat_field, "chat_id") if chat_field else None
        try:
            timeout = min(max(float(request.query.get("timeout", "25")), 0.0), _MAX_EVENT_WAIT)
        except ValueError:
            raise ControlError("timeout must be a number") from None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = [e for e in world.events
                     if e.seq > since and (chat_id is None or e.chat_id == chat_id)]
            remaining = deadline - loop.time()
            if found or remaining <= 0 or self.emulator.api.closing:
                break
            await world.events_signal.wait(remaining)
        oldest = world.events[0].seq if world.events else world.event_seq + 1
        return _ok({"events": [self.event_json(e) for e in found], "last_seq": world.event_seq,
                    "missed": since + 1 < oldest and since < world.event_seq})

    async def file(self, request: web.Request) -> web.Response:
        stored = self.emulator.world.files.get(request.match_info["file_id"])
        if stored is None:
            raise ControlError("no such file", 404)
        name = (stored.file_name or stored.file_id).replace('"', "")
        return web.Response(body=stored.data,
                            content_type=stored.mime_type or "application/octet-stream",
                            headers={"Content-Disposition": f'inline; filename="{name}"'})

    async def inject(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        self.emulator.inject(
            str(body.get("method") or "*"),
            status=_int(body["status"], "status") if body.get("status") is not None else None,
            retry_after=(_int(body["retry_after"], "retry_after")
                         if body.get("retry_after") is not None else None),
            delay=float(body.get("delay") or 0.0),
            count=_int(body.get("count", 1), "count"),
            description=body.get("description"))
        return _ok(True)

    async def down(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        self.emulator.set_down(bool(body.get("down", True)))
        return _ok({"down": self.emulator.down})

    async def reset(self, request: web.Request) -> web.Response:
        self.emulator.reset()
        return _ok(True)

    async def refused(self, request: web.Request) -> web.Response:
        emulator = self.emulator
        return _ok([{"method": r.method, "params": r.params, "description": r.description,
                     "error_code": r.error_code} for r in emulator.refused + emulator.forbidden])

    async def requests(self, request: web.Request) -> web.Response:
        return _ok([{"method": method, "params": summarize(params)}
                    for method, params in self.emulator.requests])
