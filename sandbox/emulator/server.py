"""The HTTP side of the emulator: Bot API routes, file downloads, faults, webhook delivery."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from http import HTTPStatus
from types import TracebackType
from typing import Any, Literal

import aiohttp
from aiohttp import web
from multidict import CIMultiDictProxy

from sandbox.emulator.control import ControlApi
from sandbox.emulator.methods import BotApi
from sandbox.emulator.model import (
    ApiError,
    CallbackAnswer,
    EmuMessage,
    Fault,
    JsonDict,
    PendingUpdate,
    Refusal,
    bad_request,
    summarize,
)
from sandbox.emulator.people import SimulatedGroup, SimulatedUser
from sandbox.emulator.world import World
from sandbox.schema import BotApiSchema, MethodSpec, SchemaError, UploadedFile, load_schema

__all__ = ["BotApiEmulator"]

logger = logging.getLogger(__name__)

_MAX_BODY = 60 * 1024 * 1024  # Telegram accepts uploads up to 50 MB
#: python-telegram-bot's ``Defaults`` put these into every call that goes through its
#: ``_send_message`` (edits included), whether the method has them or not; Telegram ignores
#: them there, so the emulator drops them instead of refusing an unknown parameter.
_PTB_DEFAULTED = frozenset({"parse_mode", "disable_notification", "protect_content",
                            "link_preview_options"})


def dumps(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _json_response(payload: Any, status: int = 200) -> web.Response:
    return web.Response(text=dumps(payload), status=status, content_type="application/json")


def _error_response(error: ApiError) -> web.Response:
    return _json_response(error.payload(), status=error.error_code)


def _attach_names(value: Any) -> set[str]:
    """Names of the ``attach://name`` references anywhere in request parameters."""
    if isinstance(value, str):
        return {value.removeprefix("attach://")} if value.startswith("attach://") else set()
    if isinstance(value, Mapping):
        children = list(value.values())
    elif isinstance(value, list):
        children = value
    else:
        return set()
    return set().union(*(_attach_names(child) for child in children))


def _fault_error(fault: Fault) -> ApiError:
    status = fault.status or 500
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        retry_after = fault.retry_after if fault.retry_after is not None else 2
        return ApiError(status, fault.description or f"Too Many Requests: retry after "
                                                     f"{retry_after}", retry_after=retry_after)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    default = f"Bad Request: {phrase}" if status == HTTPStatus.BAD_REQUEST else phrase
    return ApiError(status, fault.description or default)


class BotApiEmulator:
    """Telegram's Bot API on a local port, plus simulated people to talk to the bot.

    See the package docstring (:mod:`sandbox.emulator`) for the whole public API.
    """

    def __init__(
        self,
        token: str = "123:ABC",  # noqa: S107 - the emulator's dummy token
        bot_username: str = "SecondOpinionBot",
        *,
        bot_name: str = "Second Opinion",
        schema: BotApiSchema | None = None,
        clock: Callable[[], float] = time.time,
        keep_requests: bool = True,
        webhook_timeout: float = 10.0,
        webhook_retry_delay: float = 0.05,
        webhook_max_retry_delay: float = 1.0,
    ) -> None:
        self.token = token
        self.schema = schema or load_schema()
        self.world = World(token=token, bot_username=bot_username, bot_name=bot_name,
                           clock=clock)
        self.api = BotApi(self.world, self.schema)
        self.keep_requests = keep_requests
        self.webhook_timeout = webhook_timeout
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_max_retry_delay = webhook_max_retry_delay
        self.requests: list[tuple[str, JsonDict]] = []
        #: Requests refused as Telegram would refuse them: the bot's mistakes (400, 409...).
        self.refused: list[Refusal] = []
        #: 403 answers (blocked or never-started users): the person's state, not a bad request.
        self.forbidden: list[Refusal] = []
        self.host = "127.0.0.1"
        self.port = 0
        self._faults: dict[str, deque[Fault]] = {}
        self._down = False
        self._inflight = 0
        self._last_activity = 0.0
        self._users: dict[int, SimulatedUser] = {}
        self._groups: dict[int, SimulatedGroup] = {}
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self.control = ControlApi(self)
        self.app = self._build_app()

    # ----------------------------------------------------------------- lifecycle

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=_MAX_BODY, middlewares=[self.control.middleware])
        app.router.add_route("*", "/bot{token}/{method}", self._handle_bot_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self.control.add_routes(app)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (port 0 picks a free one; see :attr:`port`)."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        self.api.closing = False
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self.host = host
        self.port = int(runner.addresses[0][1])
        self._session = aiohttp.ClientSession()
        self._webhook_task = asyncio.create_task(self._webhook_loop(), name="emulator-webhook")
        logger.info("Bot API emulator listening on %s", self.url)

    async def stop(self) -> None:
        """Stop listening; long polls end at once with no updates."""
        self.api.closing = True
        self.world.updates_signal.notify()
        self.world.events_signal.notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        if self._runner is None:
            await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url()`` / ``Bot(base_url=...)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url()`` / ``Bot(base_file_url=...)``."""
        return f"{self.url}/file/bot"

    @property
    def control_url(self) -> str:
        return f"{self.url}/_emu"

    # ----------------------------------------------------------------- people

    def user(self, first_name: str = "Patient", *, last_name: str | None = None,
             username: str | None = None, language_code: str | None = "en",
             user_id: int | None = None, started: bool = True) -> SimulatedUser:
        """A new person with a private chat with the bot. ``started=False``: one who never
        opened the bot (sends to them fail with 403 until they write)."""
        record = self.world.add_user(first_name=first_name, last_name=last_name,
                                     username=username, language_code=language_code,
                                     user_id=user_id, started=started)
        person = SimulatedUser(self, record)
        self._users[record.id] = person
        return person

    def group(self, title: str = "Coordinators", members: list[SimulatedUser] | None = None, *,
              chat_id: int | None = None,
              chat_type: Literal["group", "supergroup"] = "group") -> SimulatedGroup:
        """A group chat (negative id) with the bot and ``members``."""
        state = self.world.add_group(title=title, member_ids=[m.id for m in members or []],
                                     chat_id=chat_id, chat_type=chat_type)
        group = SimulatedGroup(self, state)
        self._groups[state.id] = group
        return group

    def get_user(self, user_id: int) -> SimulatedUser:
        try:
            return self._users[user_id]
        except KeyError:
            raise KeyError(f"no simulated user with id {user_id}") from None

    def get_group(self, chat_id: int) -> SimulatedGroup:
        try:
            return self._groups[chat_id]
        except KeyError:
            raise KeyError(f"no group with id {chat_id}") from None

    @property
    def users(self) -> list[SimulatedUser]:
        return list(self._users.values())

    @property
    def groups(self) -> list[SimulatedGroup]:
        return list(self._groups.values())

    def chat_log(self, chat: SimulatedUser | SimulatedGroup | int) -> str:
        """Transcript of a chat (a person's private chat, a group, or a chat id)."""
        chat_id = chat if isinstance(chat, int) else chat.id
        return self.world.transcript(self.world.chat(chat_id))

    # ----------------------------------------------------------------- records

    def clear_requests(self) -> None:
        self.requests.clear()

    def requests_for(self, method: str) -> list[JsonDict]:
        """Parameters of every received call of ``method`` ("sendMessage" or
        "send_message")."""
        wanted = self._canonical(method)
        return [params for name, params in self.requests if name == wanted]

    @property
    def bad_requests(self) -> list[Refusal]:
        """The refusals with status 400 (leaving out e.g. a 409 getUpdates conflict)."""
        return [r for r in self.refused if r.error_code == HTTPStatus.BAD_REQUEST]

    def clear_refused(self) -> None:
        self.refused.clear()
        self.forbidden.clear()

    def commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        """The commands the bot set for ``scope`` (default scope if None) and language."""
        key = (json.dumps(scope or {"type": "default"}, sort_keys=True), language_code)
        return list(self.world.settings.commands.get(key, []))

    @property
    def webhook_url(self) -> str:
        return self.world.settings.webhook_url

    def webhook_info(self) -> JsonDict:
        """The webhook as the bot set it, plus what Telegram keeps to itself (the secret) and
        where updates are really delivered (see :meth:`set_webhook_target`)."""
        settings = self.world.settings
        return {"url": settings.webhook_url, "secret_token": settings.webhook_secret,
                "target": settings.webhook_target or settings.webhook_url,
                "pending_update_count": self.world.pending_count,
                "max_connections": settings.webhook_max_connections,
                "allowed_updates": list(settings.allowed_updates),
                "last_error_date": settings.last_error_date,
                "last_error_message": settings.last_error_message}

    def set_webhook_target(self, url: str | None) -> None:
        """Deliver webhook updates to ``url`` instead of the URL the bot set (as a reverse
        proxy would: the bot announces its public URL, tests know its real port). Kept when
        the bot sets its webhook again; ``None`` goes back to the bot's URL."""
        self.world.settings.webhook_target = url
        self.world.updates_signal.notify()

    def chat_messages(self, chat: SimulatedUser | SimulatedGroup | int, *,
                      from_bot_only: bool = True) -> list[EmuMessage]:
        """Current messages of a chat (the bot's only, unless ``from_bot_only=False``)."""
        chat_id = chat if isinstance(chat, int) else chat.id
        messages = self.world.chat(chat_id).messages.values()
        return [m for m in messages if m.from_bot or not from_bot_only]

    def callback_answer(self, query_id: str) -> CallbackAnswer | None:
        """The bot's answer to a press, or None if it has not answered (yet)."""
        for answers in self.world.callback_answers.values():
            for answer in answers:
                if answer.query_id == query_id:
                    return answer
        return None

    # ----------------------------------------------------------------- faults

    def inject(self, method: str, *, status: int | None = None, retry_after: int | None = None,
               delay: float = 0.0, count: int = 1, description: str | None = None) -> None:
        """Make the next ``count`` calls of ``method`` ("*" for any) fail or be slow.

        ``status`` defaults to 429 unless only a ``delay`` is given (a slow, successful
        answer); ``retry_after`` defaults to 2 for 429. Delay and status combine (slow, then
        failing). Injected faults are not recorded in :attr:`refused`.
        """
        key = "*" if method == "*" else self._canonical(method)
        if status is None and delay <= 0:
            status = HTTPStatus.TOO_MANY_REQUESTS
        if status == HTTPStatus.TOO_MANY_REQUESTS and retry_after is None:
            retry_after = 2
        if count < 1:
            raise ValueError("count must be at least 1")
        self._faults.setdefault(key, deque()).append(
            Fault(status, retry_after, delay, count, description))

    def _canonical(self, method: str) -> str:
        """``sendMessage`` for "sendMessage", "SENDMESSAGE" or "send_message"."""
        spec = self.schema.method(method) or self.schema.method(method.replace("_", ""))
        if spec is None:
            raise ValueError(f"{method!r} is not a Bot API method")
        return spec.name

    def clear_faults(self) -> None:
        self._faults.clear()

    def _take_fault(self, method: str) -> Fault | None:
        for key in (method, "*"):
            queue = self._faults.get(key)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.popleft()
                return fault
        return None

    def set_down(self, down: bool = True) -> None:
        """While down, every Bot API and file request answers 502 Bad Gateway (the server
        keeps listening) and webhook delivery pauses. The control API keeps working."""
        self._down = down
        self.world.updates_signal.notify()

    @property
    def down(self) -> bool:
        return self._down

    # ----------------------------------------------------------------- updates

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by getUpdates' offset or delivered to the webhook."""
        return self.world.pending_count

    @property
    def last_update_id(self) -> int | None:
        return next(reversed(self.world.history), None)

    def redeliver(self, update_id: int) -> None:
        """Send an already created update once more (duplicate delivery)."""
        self.world.redeliver(update_id)

    def redeliver_last(self, n: int = 1) -> list[int]:
        """Redeliver the last ``n`` updates that were already confirmed; return their ids."""
        pending = {update.update_id for update in self.world.pending}
        confirmed = [uid for uid in reversed(self.world.history) if uid not in pending][:n]
        confirmed.reverse()
        for update_id in confirmed:
            self.world.redeliver(update_id)
        return confirmed

    async def wait_idle(
        self, timeout: float = 5.0, quiet: float = 0.05  # noqa: ASYNC109 - test-facing API
    ) -> None:
        """Wait until no update is pending and no request is in flight for ``quiet`` seconds
        (a getUpdates long poll does not count as in flight)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            now = loop.time()
            if (self.world.pending_count == 0 and self._inflight == 0
                    and now - self._last_activity >= quiet):
                return
            if now >= deadline:
                raise AssertionError(
                    f"emulator not idle after {timeout:g}s: {self.world.pending_count} pending "
                    f"updates, {self._inflight} requests in flight")
            await asyncio.sleep(min(quiet / 2, 0.01))

    def reset(self) -> None:
        """Forget people, chats, files, updates, records, faults and the down state. What the
        bot configured (webhook, commands, menu button) stays."""
        self.world.reset()
        self.requests.clear()
        self.refused.clear()
        self.forbidden.clear()
        self._faults.clear()
        self._down = False
        self.world.settings.webhook_target = None
        self._users.clear()
        self._groups.clear()

    # ----------------------------------------------------------------- Bot API requests

    def _touch(self) -> None:
        self._last_activity = asyncio.get_running_loop().time()

    async def _read_params(self, request: web.Request,
                           spec: MethodSpec) -> tuple[JsonDict, dict[str, UploadedFile]]:
        raw: dict[str, str] = dict(request.query)
        uploads: dict[str, UploadedFile] = {}
        typed: JsonDict = {}
        content_type = request.content_type
        if content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                    continue
                if part.filename is not None:
                    data = bytes(await part.read(decode=True))
                    headers: CIMultiDictProxy[str] = part.headers
                    uploads[part.name] = UploadedFile(
                        part.filename, headers.get("Content-Type", "application/octet-stream"),
                        data)
                else:
                    raw[part.name] = await part.text()
        elif request.can_read_body:
            body = await request.read()
            if content_type == "application/json":
                if body.strip():
                    try:
                        typed = json.loads(body)
                    except ValueError:
                        raise bad_request("can't parse JSON object") from None
                    if not isinstance(typed, dict):
                        raise bad_request("JSON object expected")
            elif body:
                form = await request.post()
                raw.update({k: v for k, v in form.items() if isinstance(v, str)})
        params = self.schema.decode_form(spec, raw)
        params.update(typed)
        attached = _attach_names(params)
        for name, upload in uploads.items():
            if name in spec.fields and params.get(name) is None:
                params[name] = upload
            elif name not in attached:
                raise bad_request(f"unknown parameter {name} (a file part nothing refers to)")
        return params, uploads

    def _refuse(self, method: str, params: Mapping[str, Any], error: ApiError) -> web.Response:
        refusal = Refusal(method, summarize(params), error.description, error.error_code)
        if error.error_code == HTTPStatus.FORBIDDEN:
            self.forbidden.append(refusal)
            logger.info("Bot API emulator: %s answered %s", method, error.description)
        else:
            self.refused.append(refusal)
            logger.warning("Bot API emulator refused %s: %s", method, error.description)
        return _error_response(error)

    async def _handle_bot_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        spec = self.schema.method(request.match_info["method"])
        if spec is None:
            return _error_response(ApiError(404, "Not Found"))
        if self._down:
            return _error_response(ApiError(502, "Bad Gateway"))
        method = spec.name
        tracked = method != "getUpdates"
        self._touch()
        if tracked:
            self._inflight += 1
        try:
            return await self._process(request, spec)
        finally:
            if tracked:
                self._inflight -= 1
            self._touch()

    async def _process(self, request: web.Request, spec: MethodSpec) -> web.Response:
        method = spec.name
        try:
            params, uploads = await self._read_params(request, spec)
        except ApiError as error:
            return self._refuse(method, {}, error)
        if self.keep_requests:
            self.requests.append((method, params))
        stray = [key for key in _PTB_DEFAULTED.intersection(params) if key not in spec.fields]
        if stray:
            params = {key: value for key, value in params.items() if key not in stray}
        fault = self._take_fault(method)
        if fault is not None:
            if fault.delay > 0:
                await asyncio.sleep(fault.delay)
            if fault.status is not None:
                return _error_response(_fault_error(fault))
        try:
            self.schema.validate_params(spec, params)
            result = await self.api.call(method, params, uploads)
        except SchemaError as error:
            return self._refuse(method, params, bad_request(str(error)))
        except ApiError as error:
            if error.error_code == HTTPStatus.CONFLICT and "terminated" in error.description:
                return _error_response(error)  # a superseded long poll, not the bot's mistake
            return self._refuse(method, params, error)
        return _json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        if self._down:
            return _error_response(ApiError(502, "Bad Gateway"))
        self._touch()
        file_id = self.world.file_paths.get(request.match_info["path"])
        if file_id is None:
            return _error_response(ApiError(404, "Not Found"))
        stored = self.world.files[file_id]
        return web.Response(body=stored.data,
                            content_type=stored.mime_type or "application/octet-stream")

    # ----------------------------------------------------------------- webhook delivery

    async def _webhook_loop(self) -> None:
        world = self.world
        delay = self.webhook_retry_delay
        while True:
            settings = world.settings
            if not settings.webhook_url or self._down or not world.pending_count:
                await world.updates_signal.wait(0.5)
                continue
            update = world.redeliveries[0] if world.redeliveries else world.pending[0]
            target = settings.webhook_target or settings.webhook_url
            self._inflight += 1
            self._touch()
            try:
                error = await self._post_update(target, settings.webhook_secret, update)
            finally:
                self._inflight -= 1
                self._touch()
            if error is None:
                for queue in (world.redeliveries, world.pending):
                    if queue and queue[0] is update:
                        queue.popleft()
                        break
                delay = self.webhook_retry_delay
                continue
            settings.last_error_date = world.now()
            settings.last_error_message = error
            logger.info("webhook delivery of update %s failed: %s", update.update_id, error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.webhook_max_retry_delay)

    async def _post_update(self, url: str, secret: str | None,
                           update: PendingUpdate) -> str | None:
        """POST one update; ``None`` on a 2xx answer, else the error for getWebhookInfo."""
        if self._session is None:
            raise RuntimeError("the emulator is not running")
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        try:
            async with self._session.post(
                url, data=dumps(update.payload).encode(), headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as error:
            return f"Connection failed: {error.__class__.__name__}: {error}"
