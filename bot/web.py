"""The bot's own aiohttp web server: health, readiness, the webhook endpoint, and (added by the
features that need them) the pages behind signed links."""

from __future__ import annotations

import hmac
import json
import logging
import re
from typing import Any

from aiohttp import web
from telegram import Update

from bot.downloads import add_download_routes
from bot.services import Services

log = logging.getLogger(__name__)

SERVICES = web.AppKey("services", Services)
APPLICATION: web.AppKey[Any] = web.AppKey("application")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    response: web.StreamResponse = await handler(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    if await request.app[SERVICES].db.ping():
        return web.json_response({"status": "ready"})
    return web.json_response({"status": "database unavailable"}, status=503)


_PRIVACY_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;
color:#222}}</style></head>
<body><main>{body}</main></body></html>
"""


async def privacy(request: web.Request) -> web.Response:
    """The privacy notice, in ?lang=en|vi, from the catalogs (the consent message links here)."""
    texts = request.app[SERVICES].texts
    lang = request.query.get("lang", "")
    if lang not in texts.languages():
        lang = texts.default_language
    body = texts.render(lang, "privacy-page-body")
    # Catalog markup is Telegram's HTML subset; paragraphs and line breaks for the browser.
    paragraphs = [p.strip().replace("\n", "<br>") for p in re.split(r"\n\s*\n", body)]
    page = _PRIVACY_PAGE.format(lang=lang, title=texts.render(lang, "privacy-page-title"),
                                body="".join(f"<p>{p}</p>" for p in paragraphs if p))
    response = web.Response(text=page, content_type="text/html", charset="utf-8")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'")
    return response


def webhook_handler(secret: str) -> Any:
    async def handle(request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403, text="forbidden")
        application = request.app[APPLICATION]
        try:
            data = json.loads(await request.read())
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(data, application.bot)
        except Exception:  # any malformed body: refused, nothing changes
            log.warning("webhook: malformed update refused")
            return web.Response(status=400, text="bad request")
        await application.update_queue.put(update)
        return web.Response(text="ok")

    return handle


def build_web_app(services: Services, application: Any, *, webhook_path: str | None = None,
                  webhook_secret: str | None = None) -> web.Application:
    app = web.Application(middlewares=[security_headers], client_max_size=2 * 1024 * 1024)
    app[SERVICES] = services
    app[APPLICATION] = application
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/privacy", privacy)
    add_download_routes(app, services)  # the records zip behind signed links
    if webhook_path and webhook_secret:
        app.router.add_post(webhook_path, webhook_handler(webhook_secret))
    return app
