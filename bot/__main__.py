"""``python -m bot`` runs the bot; ``python -m bot migrate`` only migrates.

The only place that reads the environment. A bad configuration stops start-up with one line
that names the variable, and exit status 2.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Mapping, Sequence

from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging

log = logging.getLogger("bot")

EXIT_CONFIG = 2


async def _serve(settings: Settings) -> None:
    from bot.runner import run

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await run(settings, stop=stop)


async def _sandbox(settings: Settings) -> None:
    """No BOT_TOKEN: the bot against the in-process Bot API emulator, with the web chat."""
    from sandbox.mode import run_sandbox

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("BOT_TOKEN is not set: starting the sandbox (a local emulation of Telegram)")

    def announce(url: str) -> None:
        print(f"Sandbox ready: open {url}", flush=True)  # noqa: T201

    await run_sandbox(settings, stop=stop, announce=announce)


async def _migrate(settings: Settings) -> None:
    from storage.db import migrate

    await migrate(settings.database_url)
    log.info("database is at the newest revision")


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        settings = load_settings(environ)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)  # noqa: T201
        return EXIT_CONFIG
    setup_logging(secrets=tuple(s for s in (settings.BOT_TOKEN, settings.WEBHOOK_SECRET) if s))
    if args[:1] == ["migrate"]:
        asyncio.run(_migrate(settings))
        return 0
    if args:
        print(f"unknown command {args[0]!r}; use `python -m bot` or `python -m bot migrate`",  # noqa: T201
              file=sys.stderr)
        return EXIT_CONFIG
    if settings.sandbox:
        asyncio.run(_sandbox(settings))
        return 0
    asyncio.run(_serve(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
