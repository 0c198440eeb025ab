"""Runs everything in one process: migrations, the web server, the Telegram side (polling or
webhook), the outbox worker and the reminder scheduler; and stops it all cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.app import BotApp, build_application, flows, register_commands
from bot.config import Settings
from bot.housekeeping import start_housekeeping
from bot.logs import harden_loggers
from bot.outbox import OutboxWorker
from bot.reminders import ReminderScheduler
from bot.services import Services
from bot.sla import start_sla_job
from bot.web import build_web_app
from handlers.coordinator.alerts import alert_unreachable
from storage.clock import Clock
from storage.db import migrate

log = logging.getLogger(__name__)

STARTUP_RETRY_MAX = 30.0


@dataclass
class Running:
    """What a started bot exposes to its caller (tests, the sandbox)."""

    services: Services
    application: BotApp
    web_runner: web.AppRunner
    outbox: OutboxWorker
    reminders: ReminderScheduler

    @property
    def web_port(self) -> int:
        site = next(iter(self.web_runner.sites))
        server = site._server  # aiohttp keeps the bound socket here
        sockets = getattr(server, "sockets", None) or []
        return int(sockets[0].getsockname()[1]) if sockets else 0


async def _initialize_with_retry(application: BotApp, stop: asyncio.Event) -> bool:
    """getMe until the Bot API answers (it may be down at start-up). False if stopped first."""
    delay = 1.0
    while not stop.is_set():
        try:
            await application.initialize()
            return True
        except InvalidToken:
            raise
        except (NetworkError, TelegramError) as exc:
            log.warning("Bot API not reachable at start-up (%s); retrying in %.0f s",
                        type(exc).__name__, delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
        delay = min(delay * 2, STARTUP_RETRY_MAX)
    return False


async def _connect_with_retry(connect: Callable[[], Awaitable[object]], stop: asyncio.Event
                              ) -> bool:
    """Start polling (or set the webhook) until the Bot API answers: it may fail again just
    after getMe answered (a flapping API must not end the process). A refused request
    (bad webhook URL, wrong token) still stops start-up. False if stopped first."""
    delay = 1.0
    while not stop.is_set():
        try:
            await connect()
            return True
        except (BadRequest, InvalidToken):
            raise
        except RetryAfter as exc:
            value = exc.retry_after
            wait = value if isinstance(value, int | float) else value.total_seconds()
            log.warning("Bot API asked to wait during start-up; retrying in %.0f s", wait)
        except NetworkError as exc:  # 5xx, timeouts, connection errors
            wait, delay = delay, min(delay * 2, STARTUP_RETRY_MAX)
            log.warning("Bot API failed during start-up (%s); retrying in %.0f s",
                        type(exc).__name__, wait)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=wait)
    return False


async def run(settings: Settings, *, stop: asyncio.Event | None = None,
              clock: Clock | None = None,
              on_ready: Callable[[Running], Awaitable[None]] | None = None,
              setup_web: Callable[[web.Application], None] | None = None) -> None:
    """Run until ``stop`` is set (SIGTERM/SIGINT in production). ``setup_web`` may add routes
    to the web app before it starts (the sandbox's web chat; nothing in production)."""
    stop = stop or asyncio.Event()
    harden_loggers()
    await migrate(settings.database_url)
    services = Services.create(settings, clock=clock)
    polling = settings.WEBHOOK_URL is None
    application = build_application(services, polling=polling)
    all_flows = flows()
    reminder_handlers = {k: v for f in all_flows for k, v in f.reminders.items()}

    web_app = build_web_app(services, application, webhook_path=settings.webhook_path,
                            webhook_secret=settings.WEBHOOK_SECRET)
    if setup_web is not None:
        setup_web(web_app)
    web_runner = web.AppRunner(web_app, access_log=None, handle_signals=False)
    await web_runner.setup()
    site = web.TCPSite(web_runner, settings.WEB_HOST, settings.WEB_PORT)
    await site.start()
    log.info("web server listening on %s:%s", settings.WEB_HOST, settings.WEB_PORT)

    async def on_unreachable(chat_id: int) -> None:
        await alert_unreachable(services, chat_id)

    outbox = OutboxWorker(application.bot, services, on_unreachable=on_unreachable)
    reminders = ReminderScheduler(application, services, reminder_handlers)
    started = False
    try:
        if not await _initialize_with_retry(application, stop):
            return
        await application.start()
        started = True
        if polling:
            updater = application.updater
            if updater is None:
                raise RuntimeError("polling needs the application's updater")

            async def connect() -> None:
                await application.bot.delete_webhook(drop_pending_updates=False)
                await updater.start_polling(allowed_updates=Update.ALL_TYPES,
                                            drop_pending_updates=False)
        else:
            async def connect() -> None:
                await application.bot.set_webhook(
                    url=settings.WEBHOOK_URL or "", secret_token=settings.WEBHOOK_SECRET,
                    allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
        if not await _connect_with_retry(connect, stop):
            return
        if polling:
            log.info("polling %s for updates", "the Bot API")
        else:
            log.info("webhook set; receiving updates at %s", settings.webhook_path)
        try:
            await register_commands(application)
        except TelegramError as exc:  # the menu of commands is a nicety: never block start-up
            log.warning("could not register commands: %s", type(exc).__name__)
        outbox.start()
        reminders.start()
        start_sla_job(application, services)
        start_housekeeping(application, services)
        running = Running(services, application, web_runner, outbox, reminders)
        if on_ready is not None:
            await on_ready(running)
        await stop.wait()
        log.info("stopping")
    finally:
        await _shutdown(application, started, outbox, web_runner, services)


async def _shutdown(application: BotApp, started: bool, outbox: OutboxWorker,
                    web_runner: web.AppRunner, services: Services) -> None:
    with contextlib.suppress(Exception):
        await outbox.stop()
    if application.updater is not None and application.updater.running:
        with contextlib.suppress(Exception):
            await application.updater.stop()
    if started:
        with contextlib.suppress(Exception):
            await application.stop()
    with contextlib.suppress(Exception):
        await application.shutdown()
    with contextlib.suppress(Exception):
        await web_runner.cleanup()
    await services.close()
    log.info("stopped")
