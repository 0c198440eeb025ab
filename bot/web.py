"""The bot's own aiohttp web server: health, readiness, the webhook endpoint, and (added by the
features that need them) the pages behind signed links."""

from __future__ import annotations

import hmac
import json
import logging
import re
import time
from typing import Any

from aiohttp import web
from telegram import Update

from bot.downloads import add_download_routes
from bot.export import add_export_routes
from bot.report_pages import add_report_routes
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


#: At most this many refused link openings are audited a minute (a flood of bad tokens must not
#: flood the audit log); the rest are counted in the log file.
LINK_REFUSALS_AUDITED = 120
_LINK_ID = re.compile(r"^([0-9a-f]{32})\.")


def link_refusals(services: Services) -> Any:
    """Audit every refused opening of a signed link (a 4xx from a ``/<path>/{token}`` route:
    tampered, expired, revoked, unknown, foreign or malformed; throttled): the path and the
    link id when the token names one. Never the token itself."""
    window = {"start": 0.0, "count": 0}

    async def audit(request: web.Request, status: int) -> None:
        now = time.monotonic()
        if now - window["start"] >= 60:
            window["start"], window["count"] = now, 0
        window["count"] += 1
        prefix = request.path.strip("/").split("/", 1)[0][:16] or "-"
        if window["count"] > LINK_REFUSALS_AUDITED:
            log.warning("link refused on /%s (%s); not audited: too many this minute",
                        prefix, status)
            return
        m = _LINK_ID.match(request.match_info.get("token", ""))
        try:
            await services.audit.append(actor="web", action=f"link.refused.{status}",
                                        subject=f"{prefix}:{m.group(1) if m else 'malformed'}")
        except Exception:  # the refusal stands even if the database is away
            log.warning("could not audit a refused link on /%s", prefix)

    @web.middleware
    async def audit_refusals(request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except web.HTTPException as exc:
            if "token" in request.match_info and 400 <= exc.status < 500:
                await audit(request, exc.status)
            raise
        if "token" in request.match_info and 400 <= response.status < 500:
            await audit(request, response.status)
        return response

    return audit_refusals


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
    app = web.Application(middlewares=[security_headers, link_refusals(services)],
                          client_max_size=2 * 1024 * 1024)
    app[SERVICES] = services
    app[APPLICATION] = application
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/privacy", privacy)
    add_download_routes(app, services)  # the records zip behind signed links
    add_export_routes(app, services)  # /mydata's zip behind signed links
    add_report_routes(app, services)  # the patient's report (/r/) and its shared copy (/s/)
    if webhook_path and webhook_secret:
        app.router.add_post(webhook_path, webhook_handler(webhook_secret))
    return app
