"""Browser tests: the sandbox (bot + emulator + web chat, in this process) and headless
Chromium driven by Playwright. Chromium is Debian's (/usr/bin/chromium): Playwright cannot
download browsers here. Without it, these tests skip."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import load_settings
from sandbox.mode import Sandbox

CHROMIUM = Path(os.environ.get("SANDBOX_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    """The sandbox as `python -m bot` runs it without a token, on a free port."""
    settings = load_settings({"DATA_DIR": str(tmp_path / "data"), "WEB_PORT": "0",
                              "SUPPORT_EMAIL": "care@example.org"})
    async with Sandbox(settings) as handle:
        yield handle


@pytest.fixture
async def browser_page(sandbox: Sandbox) -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                   args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 1180, "height": 760},
                                            accept_downloads=True)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.errors = errors  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            await context.close()
            await browser.close()
        assert not errors, f"the page raised errors: {errors}"
