"""Run the Bot API emulator on its own: ``python -m sandbox.emulator --port 8081``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence

from sandbox.emulator.server import BotApiEmulator

logger = logging.getLogger("sandbox.emulator")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sandbox.emulator",
                                     description="Local emulator of Telegram's Bot API.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8081, help="port (0 picks a free one)")
    parser.add_argument("--token", default="123:ABC", help="the only bot token accepted")
    parser.add_argument("--bot-username", default="SecondOpinionBot")
    parser.add_argument("--bot-name", default="Second Opinion")
    parser.add_argument("--log-level", default="INFO")
    return parser


async def _serve(args: argparse.Namespace) -> None:
    emulator = BotApiEmulator(args.token, args.bot_username, bot_name=args.bot_name)
    await emulator.start(args.host, args.port)
    logger.info("Bot API base_url=%s base_file_url=%s control=%s", emulator.base_url,
                emulator.base_file_url, emulator.control_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await emulator.stop()


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
