"""The Bot API emulator, driven by python-telegram-bot's own client over real HTTP."""

from __future__ import annotations

import asyncio
import io
import json
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from PIL import Image
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    MenuButtonCommands,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    ExtBot,
)
from telegram.request import HTTPXRequest

from sandbox.emulator import BotApiEmulator, EmuMessage, SimulatedUser
from sandbox.html_check import EntityParseError, parse_html, trim_parsed
from sandbox.schema import SCHEMA_ENV, VENDORED_SCHEMA_PATH, load_schema, schema_path

TOKEN = "123:ABC"
MB = 1024 * 1024
# httpx builds a TLS context (loading CA files, ~50 ms) per client unless given one; the
# emulator speaks plain HTTP, so one shared context keeps each test's Bot cheap.
_TLS = ssl.create_default_context()


def http_request() -> HTTPXRequest:
    return HTTPXRequest(httpx_kwargs={"verify": _TLS})


def make_bot(emu: BotApiEmulator) -> Bot:
    return Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url,
               request=http_request(), get_updates_request=http_request())


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator(token=TOKEN, bot_username="SecondOpinionBot")
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    async with make_bot(emu) as client:
        yield client


@pytest.fixture
def patient(emu: BotApiEmulator) -> SimulatedUser:
    return emu.user("Lan", language_code="vi")


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data)]
                                 for text, data in buttons])


def png(width: int, height: int, color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


async def next_updates(bot: Bot, offset: int = 0) -> tuple[Update, ...]:
    return await bot.get_updates(offset=offset, timeout=1)


# --------------------------------------------------------------------------- sending


async def test_get_me_and_html_message(emu: BotApiEmulator, bot: Bot,
                                       patient: SimulatedUser) -> None:
    assert bot.username == "SecondOpinionBot"
    assert bot.id == 123

    sent = await bot.send_message(
        patient.chat_id, "<b>Xin chào</b> &amp; welcome 👋 <i>Lan</i>", parse_mode="HTML",
        reply_markup=keyboard(("Yes", "consent:yes")))

    assert sent.text == "Xin chào & welcome 👋 Lan"
    assert sent.entities[0].type == "bold" and sent.entities[0].length == 8
    assert sent.text_html == "<b>Xin chào</b> &amp; welcome 👋 <i>Lan</i>"
    shown = patient.last_message
    assert shown.message_id == sent.message_id
    assert shown.text == "Xin chào & welcome 👋 Lan"
    assert shown.html == "<b>Xin chào</b> &amp; welcome 👋 <i>Lan</i>"
    assert shown.buttons == [("Yes", "consent:yes")]
    assert not shown.edited
    assert emu.requests_for("sendMessage")[0]["parse_mode"] == "HTML"
    assert emu.refused == []


async def test_visible_length_counts_after_entity_parsing(bot: Bot,
                                                          patient: SimulatedUser) -> None:
    sent = await bot.send_message(patient.chat_id, "<b>" + "x" * 4096 + "</b>",
                                  parse_mode="HTML")
    assert sent.text == "x" * 4096
    caption = "<i>" + "c" * 1024 + "</i>"
    doc = await bot.send_document(patient.chat_id, b"%PDF", filename="a.pdf", caption=caption,
                                  parse_mode="HTML")
    assert doc.caption == "c" * 1024


RefusedCall = Callable[[Bot, int], Awaitable[Any]]

REFUSALS: list[tuple[str, RefusedCall, str]] = [
    ("too long", lambda b, c: b.send_message(c, "x" * 4097), "message is too long"),
    ("empty after trim", lambda b, c: b.send_message(c, "  \n "), "message text is empty"),
    ("bare <", lambda b, c: b.send_message(c, "a < b", parse_mode="HTML"),
     "can't parse entities"),
    ("bare &", lambda b, c: b.send_message(c, "Fish & chips", parse_mode="HTML"),
     "can't parse entities"),
    ("br tag", lambda b, c: b.send_message(c, "a<br>b", parse_mode="HTML"),
     'unsupported start tag "br"'),
    ("unclosed", lambda b, c: b.send_message(c, "<b>bold", parse_mode="HTML"),
     "can't find end tag"),
    ("span", lambda b, c: b.send_message(c, "<span>x</span>", parse_mode="HTML"),
     'must have class "tg-spoiler"'),
    ("parse mode", lambda b, c: b.send_message(c, "x", parse_mode="XML"),
     "unsupported parse_mode"),
    ("callback data", lambda b, c: b.send_message(c, "x", reply_markup=keyboard(("A", "d" * 65))),
     "button_data_invalid"),
    ("no action", lambda b, c: b.send_message(
        c, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("A")]])),
     "text buttons are unallowed"),
    ("unknown parameter", lambda b, c: b.send_message(c, "x", api_kwargs={"colour": "red"}),
     "unknown parameter colour"),
    ("missing required", lambda b, c: b.do_api_request("send_message", {"chat_id": c}),
     "message text is empty"),
    ("wrong type", lambda b, c: b.do_api_request(
        "send_message", {"chat_id": c, "text": "x", "disable_notification": "perhaps"}),
     'parameter "disable_notification" must be of type boolean'),
    ("nested typo", lambda b, c: b.do_api_request("send_message", {
        "chat_id": c, "text": "x",
        "reply_markup": {"inline_keyboard": [[{"text": "A", "callbak_data": "x"}]]}}),
     "unknown parameter reply_markup.inline_keyboard[0][0].callbak_data"),
    ("caption", lambda b, c: b.send_document(c, b"x", filename="a.pdf", caption="c" * 1025),
     "message caption is too long"),
    ("command name", lambda b, c: b.set_my_commands([BotCommand("Start", "Begin")]),
     "bot_command_invalid"),
    ("command scope", lambda b, c: b.do_api_request(
        "set_my_commands", {"commands": [{"command": "a", "description": "b"}],
                            "scope": {"type": "chat"}}),
     'field "scope.chat_id" is required'),
    ("chat not found", lambda b, c: b.send_message(987654321, "x"), "chat not found"),
    ("reply to nothing", lambda b, c: b.send_message(c, "x", reply_to_message_id=999),
     "message to be replied not found"),
    ("url download", lambda b, c: b.send_document(c, "https://example.org/a.pdf"),
     "failed to get http url content"),
]


@pytest.mark.filterwarnings("ignore:Please use 'Bot.:UserWarning")  # do_api_request on purpose
@pytest.mark.parametrize(("call", "fragment"), [(c, f) for _, c, f in REFUSALS],
                         ids=[name for name, _, _ in REFUSALS])
async def test_refusals(emu: BotApiEmulator, bot: Bot, patient: SimulatedUser,
                        call: RefusedCall, fragment: str) -> None:
    with pytest.raises(BadRequest) as raised:
        await call(bot, patient.chat_id)
    assert fragment in raised.value.message.lower()
    assert len(emu.refused) == 1
    assert fragment in emu.refused[0].description.lower()
    assert emu.refused[0].description.startswith("Bad Request: ")
    assert patient.messages == []


async def test_answer_callback_limits(emu: BotApiEmulator, bot: Bot,
                                      patient: SimulatedUser) -> None:
    sent = await bot.send_message(patient.chat_id, "Pick", reply_markup=keyboard(("A", "a")))
    query_id = await patient.press(sent, "A")
    with pytest.raises(BadRequest, match=r"(?i)message_too_long"):
        await bot.answer_callback_query(query_id, text="t" * 201)
    assert await bot.answer_callback_query(query_id, text="t" * 200)
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query(query_id)
    assert [r.method for r in emu.refused] == ["answerCallbackQuery"] * 2


# --------------------------------------------------------------------------- editing


async def test_edits_replace_content_in_place(emu: BotApiEmulator, bot: Bot,
                                              patient: SimulatedUser) -> None:
    sent = await bot.send_message(patient.chat_id, "Step 1", reply_markup=keyboard(("Go", "g")))
    edited = await bot.edit_message_text("<b>Step 2</b>", chat_id=patient.chat_id,
                                         message_id=sent.message_id, parse_mode="HTML",
                                         reply_markup=keyboard(("Next", "n")))
    assert isinstance(edited, type(sent)) and edited.edit_date is not None
    assert len(patient.messages) == 1
    current = patient.last_message
    assert (current.text, current.edited, current.buttons) == ("Step 2", True, [("Next", "n")])

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("<b>Step 2</b>", chat_id=patient.chat_id,
                                    message_id=sent.message_id, parse_mode="HTML",
                                    reply_markup=keyboard(("Next", "n")))
    # Editing the text without reply_markup removes the keyboard, as in Telegram.
    await bot.edit_message_text("Step 2", chat_id=patient.chat_id, message_id=sent.message_id,
                                parse_mode="HTML")
    assert patient.last_message.buttons == []
    await bot.edit_message_reply_markup(patient.chat_id, sent.message_id,
                                        reply_markup=keyboard(("Back", "b")))
    assert patient.last_message.buttons == [("Back", "b")]
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_reply_markup(patient.chat_id, sent.message_id,
                                            reply_markup=keyboard(("Back", "b")))

    photo = await bot.send_photo(patient.chat_id, png(40, 30), caption="old")
    await bot.edit_message_caption(patient.chat_id, photo.message_id, caption="<u>new</u>",
                                   parse_mode="HTML")
    assert patient.last_message.text == "new" and patient.last_message.photo is not None
    with pytest.raises(BadRequest, match=r"(?i)no text in the message"):
        await bot.edit_message_text("x", chat_id=patient.chat_id, message_id=photo.message_id)
    assert [r.description.split(":")[1].strip() for r in emu.refused] == [
        "message is not modified", "message is not modified",
        "there is no text in the message to edit"]


async def test_ptb_defaults_leaking_into_edits_are_tolerated(emu: BotApiEmulator,
                                                            patient: SimulatedUser) -> None:
    defaults = Defaults(parse_mode="HTML", disable_notification=True, protect_content=True)
    async with ExtBot(TOKEN, base_url=emu.base_url, defaults=defaults,
                      request=http_request(), get_updates_request=http_request()) as bot:
        sent = await bot.send_message(patient.chat_id, "<b>Pick</b>",
                                      reply_markup=keyboard(("A", "a")))
        # PTB sends parse_mode etc. with editMessageReplyMarkup too; Telegram ignores them.
        await bot.edit_message_reply_markup(patient.chat_id, sent.message_id, reply_markup=None)
    assert "parse_mode" in emu.requests_for("editMessageReplyMarkup")[0]
    assert patient.last_message.text == "Pick" and patient.last_message.buttons == []
    assert emu.refused == []


async def test_edit_and_delete_missing_messages(bot: Bot, patient: SimulatedUser) -> None:
    sent = await bot.send_message(patient.chat_id, "temporary")
    assert await bot.delete_message(patient.chat_id, sent.message_id)
    assert patient.messages == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(patient.chat_id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=patient.chat_id, message_id=sent.message_id)
    typed = await patient.send_text("my own words")
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("x", chat_id=patient.chat_id, message_id=typed.message_id)
    assert await bot.delete_message(patient.chat_id, typed.message_id)  # bots may delete these


# --------------------------------------------------------------------------- faults


@pytest.mark.filterwarnings("ignore:Deprecated since version v22.2:DeprecationWarning")
async def test_injected_429_surfaces_as_retry_after(emu: BotApiEmulator, bot: Bot,
                                                    patient: SimulatedUser) -> None:
    emu.inject("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(patient.chat_id, "hello")
    retry_after = raised.value.retry_after  # int or timedelta, depending on PTB_TIMEDELTA
    seconds = retry_after.total_seconds() if isinstance(retry_after, timedelta) else retry_after
    assert seconds == 3
    await bot.send_message(patient.chat_id, "hello")  # count=1: the next call goes through
    assert [m.text for m in patient.messages] == ["hello"]
    assert emu.refused == []
    assert len(emu.requests_for("sendMessage")) == 2


async def test_injected_502_and_down_are_network_errors(emu: BotApiEmulator, bot: Bot,
                                                        patient: SimulatedUser) -> None:
    emu.inject("send_message", status=502, count=2)
    for _ in range(2):
        with pytest.raises(NetworkError) as raised:
            await bot.send_message(patient.chat_id, "hi")
        assert not isinstance(raised.value, BadRequest)
    await bot.send_message(patient.chat_id, "hi")

    emu.set_down(True)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_me()
    emu.set_down(False)
    assert (await bot.get_me()).username == "SecondOpinionBot"
    assert emu.refused == []


async def test_injected_delay_slows_the_answer(emu: BotApiEmulator, bot: Bot,
                                               patient: SimulatedUser) -> None:
    emu.inject("*", delay=0.3)
    started = time.monotonic()
    await bot.send_message(patient.chat_id, "slow")
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    await bot.send_message(patient.chat_id, "fast")
    assert time.monotonic() - started < 0.3
    with pytest.raises(ValueError, match="not a Bot API method"):
        emu.inject("sendMesage")


# --------------------------------------------------------------------------- updates


async def test_long_polling_returns_a_patient_update(emu: BotApiEmulator, bot: Bot,
                                                     patient: SimulatedUser) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    started = time.monotonic()
    await patient.send_text("/start emp_ACME")
    updates = await poll
    assert time.monotonic() - started < 1

    (update,) = updates
    message = update.message
    assert message is not None and message.text == "/start emp_ACME"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 6
    assert message.from_user is not None and message.from_user.language_code == "vi"
    assert message.chat.type == "private" and message.chat.id == patient.id
    assert emu.pending_updates == 1


async def test_offsets_confirm_and_drop_updates(emu: BotApiEmulator, bot: Bot,
                                                patient: SimulatedUser) -> None:
    for text in ("one", "two", "three"):
        await patient.send_text(text)
    first = await bot.get_updates(timeout=0)
    assert [u.message.text for u in first if u.message] == ["one", "two", "three"]
    ids = [u.update_id for u in first]
    assert ids == sorted(ids) and len(set(ids)) == 3

    again = await bot.get_updates(offset=ids[1], limit=1)
    assert [u.update_id for u in again] == [ids[1]]
    assert emu.pending_updates == 2
    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert emu.pending_updates == 0

    emu.redeliver_last(1)  # duplicate delivery of an already confirmed update
    (duplicate,) = await bot.get_updates(offset=ids[2] + 1)
    assert duplicate.update_id == ids[2]
    assert emu.pending_updates == 0


async def test_second_long_poll_terminates_the_first(emu: BotApiEmulator, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    async with make_bot(emu) as other_instance:
        assert await other_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await first
    assert emu.refused == []


async def test_webhook_delivery_with_secret_and_retries(emu: BotApiEmulator, bot: Bot,
                                                        patient: SimulatedUser) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                         await request.json()))
        return web.Response(status=500 if len(received) == 1 else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        # The bot announces its public URL; the emulator delivers to the real port.
        assert await bot.set_webhook("https://bot.example.org/hook", secret_token="s3cret")
        emu.set_webhook_target(f"http://127.0.0.1:{port}/hook")
        assert emu.webhook_info()["secret_token"] == "s3cret"
        await patient.send_text("hello")
        await patient.send_text("again")
        await emu.wait_idle(timeout=3)

        assert [secret for secret, _ in received] == ["s3cret"] * 3
        texts = [body["message"]["text"] for _, body in received]
        assert texts == ["hello", "hello", "again"]  # the refused one is retried, in order
        info = await bot.get_webhook_info()
        assert info.url == "https://bot.example.org/hook" and info.pending_update_count == 0
        assert info.last_error_message is not None and "500" in info.last_error_message
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()

        assert await bot.delete_webhook()
        await patient.send_text("polling again")
        (update,) = await next_updates(bot)
        assert update.message is not None and update.message.text == "polling again"
    finally:
        await runner.cleanup()


# --------------------------------------------------------------------------- files


async def test_get_file_and_download(emu: BotApiEmulator, bot: Bot,
                                     patient: SimulatedUser) -> None:
    pdf = b"%PDF-1.4 scan of a blood test"
    await patient.send_document(pdf, file_name="scan.pdf", caption="my results")
    await patient.send_document(pdf, file_name="copy.pdf")
    first, second = await next_updates(bot)
    assert first.message is not None and second.message is not None
    document = first.message.document
    assert document is not None and first.message.caption == "my results"
    assert (document.file_name, document.mime_type, document.file_size) == (
        "scan.pdf", "application/pdf", len(pdf))
    assert second.message.document is not None
    assert second.message.document.file_unique_id == document.file_unique_id
    assert second.message.document.file_id != document.file_id

    file = await bot.get_file(document.file_id)
    assert file.file_path is not None and file.file_path.endswith(".pdf")
    assert "/documents/file_" in file.file_path
    assert bytes(await file.download_as_bytearray()) == pdf


async def test_file_too_big(bot: Bot, patient: SimulatedUser) -> None:
    await patient.send_document(b"%PDF-1.4 tiny", file_name="huge.pdf", declared_size=25 * MB)
    (update,) = await next_updates(bot)
    assert update.message is not None and update.message.document is not None
    assert update.message.document.file_size == 25 * MB
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await bot.get_file(update.message.document.file_id)


async def test_bot_uploads_are_stored(emu: BotApiEmulator, bot: Bot,
                                      patient: SimulatedUser) -> None:
    coordinator = emu.user("Minh", language_code="en")
    sent = await bot.send_document(patient.chat_id, b"report bytes", filename="report.pdf",
                                   caption="Your report")
    shown = patient.last_message
    assert shown.document is not None and shown.document.data == b"report bytes"
    assert shown.document.file_name == "report.pdf" and shown.text == "Your report"
    assert sent.document is not None
    downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"report bytes"

    photo = await bot.send_photo(patient.chat_id, png(320, 200), caption="<b>chart</b>",
                                 parse_mode="HTML")
    assert [(p.width, p.height) for p in photo.photo] == [(90, 56), (320, 200)]
    assert patient.last_message.photo is not None and patient.last_message.text == "chart"

    await bot.send_document(coordinator.chat_id, sent.document.file_id)  # re-send by file_id
    assert coordinator.last_message.document is not None
    assert coordinator.last_message.document.data == b"report bytes"

    album = await bot.send_media_group(patient.chat_id, [InputMediaPhoto(png(10, 10)),
                                                         InputMediaPhoto(png(20, 20, "blue"))])
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    assert len(patient.messages) == 4


async def test_photos_and_albums(bot: Bot, patient: SimulatedUser) -> None:
    await patient.send_photo(png(640, 480), caption="rash")
    sent = await patient.send_album([png(100, 50), png(50, 100, "green"), png(30, 30, "blue")],
                                    caption="scans")
    assert len(sent) == 3
    single, *album = await next_updates(bot)
    assert single.message is not None and single.message.caption == "rash"
    assert [(p.width, p.height) for p in single.message.photo] == [(90, 67), (640, 480)]
    assert len(album) == 3
    group_ids = {u.message.media_group_id for u in album if u.message}
    assert len(group_ids) == 1 and None not in group_ids
    assert [u.message.caption for u in album if u.message] == ["scans", None, None]
    largest = album[1].message.photo[-1] if album[1].message else None
    assert largest is not None and (largest.width, largest.height) == (50, 100)
    file = await bot.get_file(largest.file_id)
    assert bytes(await file.download_as_bytearray()) == png(50, 100, "green")


@pytest.mark.filterwarnings("ignore:Deprecated since version v22.2:DeprecationWarning")
async def test_stickers_voice_contacts_and_locations(bot: Bot, patient: SimulatedUser) -> None:
    await patient.send_sticker("🙏")
    await patient.send_voice(duration=4)
    await patient.send_contact("+84901234567")
    await patient.send_contact("+84900000000", user_id=555, first_name="Someone")
    await patient.send_location(10.77, 106.70)
    sticker, voice, own, other, location = [u.message for u in await next_updates(bot)]
    assert sticker is not None and sticker.sticker is not None
    assert sticker.sticker.emoji == "🙏"
    assert voice is not None and voice.voice is not None and voice.voice.duration == 4
    assert own is not None and own.contact is not None
    assert own.contact.user_id == patient.id and own.contact.first_name == "Lan"
    assert other is not None and other.contact is not None and other.contact.user_id == 555
    assert location is not None and location.location is not None
    assert location.location.latitude == pytest.approx(10.77)


# --------------------------------------------------------------------------- people


async def test_blocked_user_and_never_started_user(emu: BotApiEmulator, bot: Bot,
                                                   patient: SimulatedUser) -> None:
    patient.block_bot()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(patient.chat_id, "are you there?")
    with pytest.raises(RuntimeError, match="blocked the bot"):
        await patient.send_text("hi")
    (update,) = await next_updates(bot)
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    patient.unblock_bot()
    await bot.send_message(patient.chat_id, "welcome back")

    stranger = emu.user("Hoa", started=False)
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(stranger.chat_id, "hello")
    await stranger.send_text("/start")
    await bot.send_message(stranger.chat_id, "hello")
    assert [r.description for r in emu.forbidden] == [
        "Forbidden: bot was blocked by the user",
        "Forbidden: bot can't initiate conversation with a user"]
    assert emu.refused == [] and emu.bad_requests == []


async def test_pressing_buttons(emu: BotApiEmulator, bot: Bot, patient: SimulatedUser) -> None:
    sent = await bot.send_message(patient.chat_id, "Consent?",
                                  reply_markup=keyboard(("I agree", "consent:yes"),
                                                        ("No", "consent:no")))
    shown = patient.last_message
    query_id = await patient.press(shown, "I agree")
    await patient.press(sent, callback_data="consent:no")  # a telegram.Message works too
    with pytest.raises(LookupError, match="no button 'Maybe'"):
        await patient.press(shown, "Maybe")
    forged = await patient.press_data("case:claim:999", message_id=4242)

    first, second, third = await next_updates(bot)
    query = first.callback_query
    assert query is not None and query.id == query_id and query.data == "consent:yes"
    assert query.from_user.id == patient.id and query.chat_instance
    assert query.message is not None and query.message.message_id == sent.message_id
    assert second.callback_query is not None and second.callback_query.data == "consent:no"
    assert third.callback_query is not None and third.callback_query.id == forged
    assert third.callback_query.message is not None
    assert not third.callback_query.message.is_accessible

    await bot.answer_callback_query(query_id, text="Thank you")
    await bot.answer_callback_query(forged)
    assert patient.callback_answers == ["Thank you", ""]
    answer = emu.callback_answer(query_id)
    assert answer is not None and answer.data == "consent:yes"


async def test_reply_keyboard_contact_button(bot: Bot, patient: SimulatedUser) -> None:
    await bot.send_message(patient.chat_id, "Share your number?", reply_markup=ReplyKeyboardMarkup(
        [[KeyboardButton("Share my number", request_contact=True)], [KeyboardButton("Skip")]],
        one_time_keyboard=True))
    assert patient.last_message.buttons == [("Share my number", None), ("Skip", None)]
    await patient.press_keyboard("Share my number", phone_number="+84911111111")
    await patient.press_keyboard("Skip")
    contact, skip = await next_updates(bot)
    assert contact.message is not None and contact.message.contact is not None
    assert contact.message.contact.phone_number == "+84911111111"
    assert contact.message.contact.user_id == patient.id
    assert skip.message is not None and skip.message.text == "Skip"


async def test_wait_for_message(emu: BotApiEmulator, bot: Bot, patient: SimulatedUser) -> None:
    async def reply_later() -> None:
        await asyncio.sleep(0.05)
        sent = await bot.send_message(patient.chat_id, "Working on it")
        await bot.send_message(patient.chat_id, "Done")
        await bot.edit_message_text("Finished", chat_id=patient.chat_id,
                                    message_id=sent.message_id)

    await patient.send_text("go")
    task = asyncio.create_task(reply_later())
    first = await patient.wait_for_message()
    assert first.text == "Working on it"
    edited = await patient.wait_for_message(lambda m: m.edited)
    assert edited.text == "Finished" and edited.message_id == first.message_id
    await task
    with pytest.raises(AssertionError, match="private chat with Lan") as raised:
        await patient.wait_for_message(timeout=0.1)
    assert "bot: Done" in str(raised.value) and "Lan: go" in str(raised.value)
    assert "#1 Lan: go" in emu.chat_log(patient)


async def test_group_chat(emu: BotApiEmulator, bot: Bot) -> None:
    coordinator = emu.user("Minh")
    group = emu.group("Coordinators", members=[coordinator])
    assert group.id < 0
    await coordinator.send_text("/queue@SecondOpinionBot", chat=group)
    (update,) = await next_updates(bot)
    message = update.message
    assert message is not None and message.chat.type == "group"
    assert message.chat.id == group.id and message.chat.title == "Coordinators"
    assert message.entities[0].length == len("/queue@SecondOpinionBot")

    sent = await bot.send_message(group.id, "New case C-1", reply_markup=keyboard(("Claim", "c")))
    seen = await group.wait_for_message(lambda m: "New case" in m.text, timeout=1)
    assert seen.message_id == sent.message_id
    assert emu.chat_messages(group.id) == [seen] == group.messages
    assert len(emu.chat_messages(group, from_bot_only=False)) == 2
    await coordinator.press(seen, "Claim")
    (update,) = await next_updates(bot, update.update_id + 1)
    assert update.callback_query is not None and update.callback_query.message is not None
    assert update.callback_query.message.chat.id == group.id
    member = await bot.get_chat_member(group.id, coordinator.id)
    assert member.status == "member"
    assert (await bot.get_chat(group.id)).title == "Coordinators"


async def test_copy_and_forward(emu: BotApiEmulator, bot: Bot, patient: SimulatedUser) -> None:
    coordinator = emu.user("Minh")
    note = await patient.send_document(b"%PDF note", file_name="note.pdf", caption="from Lan")
    copied = await bot.copy_message(coordinator.chat_id, patient.chat_id, note.message_id,
                                    caption="Record 1")
    shown = coordinator.last_message
    assert shown.message_id == copied.message_id
    assert shown.document is not None and shown.document.data == b"%PDF note"
    assert shown.text == "Record 1"
    forwarded = await bot.forward_message(coordinator.chat_id, patient.chat_id, note.message_id)
    assert forwarded.forward_origin is not None


async def test_commands_and_menu_button(emu: BotApiEmulator, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Bắt đầu"), BotCommand("help", "Trợ giúp")],
                              language_code="vi")
    await bot.set_my_commands([BotCommand("start", "Start")])
    assert [c.command for c in await bot.get_my_commands(language_code="vi")] == [
        "start", "help"]
    assert emu.commands(language_code="vi")[1] == {"command": "help",
                                                  "description": "Trợ giúp"}
    assert emu.commands() == [{"command": "start", "description": "Start"}]
    await bot.delete_my_commands(language_code="vi")
    assert await bot.get_my_commands(language_code="vi") == ()
    await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    assert (await bot.get_chat_menu_button()).type == "commands"
    await bot.set_my_description("Second opinions", language_code="en")
    assert (await bot.get_my_description("en")).description == "Second opinions"


# --------------------------------------------------------------------------- raw HTTP


async def test_raw_http_shapes(emu: BotApiEmulator, patient: SimulatedUser) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emu.url}/bot999:WRONG/getMe") as response:
            assert response.status == 401
            assert await response.json() == {"ok": False, "error_code": 401,
                                             "description": "Unauthorized"}
        async with http.post(f"{emu.base_url}{TOKEN}/sendFax") as response:
            assert response.status == 404
            assert (await response.json())["description"] == "Not Found"
        async with http.get(f"{emu.base_url}{TOKEN}/GETME") as response:
            body = await response.json()
            assert body["ok"] is True and body["result"]["is_bot"] is True
        markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
        async with http.post(f"{emu.base_url}{TOKEN}/sendMessage",
                             json={"chat_id": patient.chat_id, "text": "json body",
                                   "reply_markup": markup}) as response:
            body = await response.json()
            assert body["result"]["reply_markup"] == markup
        async with http.post(f"{emu.base_url}{TOKEN}/sendmessage",
                             data={"chat_id": str(patient.chat_id), "text": "form body",
                                   "reply_markup": json.dumps(markup)}) as response:
            assert (await response.json())["result"]["text"] == "form body"
        async with http.post(f"{emu.base_url}{TOKEN}/sendMessage",
                             json={"chat_id": patient.chat_id}) as response:
            assert response.status == 400
            body = await response.json()
            assert body == {"ok": False, "error_code": 400,
                            "description": "Bad Request: message text is empty"}
        upload = aiohttp.FormData()
        upload.add_field("chat_id", str(patient.chat_id))
        upload.add_field("caption", "<b>scan</b>")
        upload.add_field("parse_mode", "HTML")
        upload.add_field("reply_markup", json.dumps(markup))
        upload.add_field("document", b"%PDF raw", filename="raw.pdf",
                         content_type="application/pdf")
        async with http.post(f"{emu.base_url}{TOKEN}/sendDocument", data=upload) as response:
            result = (await response.json())["result"]
            assert result["document"]["file_name"] == "raw.pdf" and result["caption"] == "scan"
        stray = aiohttp.FormData()
        stray.add_field("chat_id", str(patient.chat_id))
        stray.add_field("document", b"%PDF", filename="a.pdf")
        stray.add_field("documnt", b"%PDF", filename="b.pdf")
        async with http.post(f"{emu.base_url}{TOKEN}/sendDocument", data=stray) as response:
            assert "unknown parameter documnt" in (await response.json())["description"]
        emu.inject("getMe", status=429, retry_after=7)
        async with http.get(f"{emu.base_url}{TOKEN}/getMe") as response:
            assert response.status == 429
            assert (await response.json())["parameters"] == {"retry_after": 7}
    assert [m.text for m in patient.messages] == ["json body", "form body", "scan"]
    assert patient.last_message.document is not None
    assert patient.last_message.document.data == b"%PDF raw"


async def test_control_api(emu: BotApiEmulator, bot: Bot) -> None:
    control = emu.control_url
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{control}/users",
                             json={"first_name": "Web", "language_code": "en"}) as response:
            user = (await response.json())["result"]
        async with http.post(f"{control}/send",
                             json={"user_id": user["id"], "text": "/start"}) as response:
            assert (await response.json())["result"]["messages"][0]["text"] == "/start"
        form = aiohttp.FormData()
        form.add_field("user_id", str(user["id"]))
        form.add_field("document", b"%PDF web", filename="web.pdf",
                       content_type="application/pdf")
        async with http.post(f"{control}/send", data=form) as response:
            sent = (await response.json())["result"]["messages"][0]
        async with http.get(sent["document"]["url"]) as response:
            assert await response.read() == b"%PDF web"

        reply = await bot.send_message(user["id"], "<b>Hi</b>", parse_mode="HTML",
                                       reply_markup=keyboard(("Menu", "menu:open")))
        async with http.get(f"{control}/chats/{user['id']}/messages",
                            params={"after": "2"}) as response:
            listing = (await response.json())["result"]
        (message,) = listing["messages"]
        assert message["from_bot"] and message["html"] == "<b>Hi</b>"
        assert message["buttons"] == [[{"text": "Menu", "callback_data": "menu:open"}]]

        since = listing["last_seq"]
        async with http.post(f"{control}/press", json={
                "user_id": user["id"], "message_id": reply.message_id,
                "callback_data": "menu:open"}) as response:
            query_id = (await response.json())["result"]["callback_query_id"]
        events_task = asyncio.create_task(http.get(f"{control}/events",
                                                   params={"since": str(since), "timeout": "3"}))
        await asyncio.sleep(0.05)
        await bot.answer_callback_query(query_id, text="Opening menu")
        async with await events_task as response:
            events = (await response.json())["result"]["events"]
        assert [e["type"] for e in events] == ["callback_answer"]
        assert events[0]["notice"]["text"] == "Opening menu"

        async with http.post(f"{control}/inject", json={"method": "sendMessage",
                                                        "status": 502}) as response:
            assert response.status == 200
        with pytest.raises(NetworkError):
            await bot.send_message(user["id"], "lost")
        async with http.post(f"{control}/send", json={"user_id": 1}) as response:
            assert response.status == 404 and not (await response.json())["ok"]
        async with http.post(f"{control}/reset") as response:
            assert response.status == 200
    assert emu.users == [] and emu.pending_updates == 0


# --------------------------------------------------------------------------- a real bot


async def test_application_end_to_end(emu: BotApiEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        payload = context.args[0] if context.args else "none"
        await context.bot.send_message(update.effective_chat.id, f"Welcome ({payload})",
                                       reply_markup=keyboard(("Begin", "onboarding:begin")))

    async def begin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Let's go")
        await query.edit_message_text("Great, let's begin.")

    app = (Application.builder().token(TOKEN).base_url(emu.base_url)
           .base_file_url(emu.base_file_url).request(http_request())
           .get_updates_request(http_request()).build())
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(begin, pattern=r"^onboarding:begin$"))
    patient = emu.user("Lan", language_code="vi")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            await patient.send_text("/start emp_ACME")
            welcome = await patient.wait_for_message(timeout=3)
            assert welcome.text == "Welcome (emp_ACME)"
            await patient.press(welcome, "Begin")
            edited = await patient.wait_for_message(timeout=3)
            assert edited.edited and edited.text == "Great, let's begin."
            await emu.wait_idle(timeout=3)
            assert patient.callback_answers == ["Let's go"]
        finally:
            await app.updater.stop()
            await app.stop()
    assert emu.refused == []


# --------------------------------------------------------------------------- building blocks


def test_html_parser_entities_use_utf16_offsets() -> None:
    parsed = parse_html('😀 <b>bold</b> <a href="https://x.org/?a=1&amp;b=2">link</a> '
                        '<pre><code class="language-python">x = 1</code></pre>'
                        "<blockquote expandable>q</blockquote> &#39;&#x1F600;&quot;")
    assert parsed.text == "😀 bold link x = 1q '😀\""
    by_type = {e["type"]: e for e in parsed.entities}
    assert by_type["bold"]["offset"] == 3  # the emoji is two UTF-16 units
    assert by_type["text_link"]["url"] == "https://x.org/?a=1&b=2"
    assert by_type["pre"]["language"] == "python" and "code" not in by_type
    assert by_type["expandable_blockquote"]["length"] == 1
    trimmed = trim_parsed(parse_html("  <i> hi </i> \n"))
    assert trimmed.text == "hi" and trimmed.entities == ({"type": "italic", "offset": 0,
                                                          "length": 2},)
    for bad in ("<b>x</i>", "</b>", "<tg-emoji>x</tg-emoji>", "<a>x</a>", "x &nbsp; y",
                '<b class="x>y</b>'):
        with pytest.raises(EntityParseError):
            parse_html(bad)


def test_schema_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert VENDORED_SCHEMA_PATH.is_file()
    schema = load_schema()
    assert schema.method("SENDMESSAGE") is schema.methods["sendMessage"]
    assert load_schema(VENDORED_SCHEMA_PATH).version == schema.version
    override = tmp_path / "schema.json"
    override.write_text(json.dumps({"methods": {"getMe": {"fields": [], "returns": ["User"]}},
                                    "types": {}, "version": "test"}))
    monkeypatch.setenv(SCHEMA_ENV, str(override))
    assert schema_path() == override
    assert load_schema().version == "test"


async def test_messages_are_snapshots(emu: BotApiEmulator) -> None:
    patient = emu.user("Lan")
    chat = emu.world.chat(patient.chat_id)
    first = emu.world.new_message(chat, emu.world.bot, text="v1")
    second = emu.world.edit_message(chat, first, text="v2")
    assert isinstance(first, EmuMessage) and first.text == "v1" and not first.edited
    assert second.text == "v2" and second.edited and patient.last_message is second
