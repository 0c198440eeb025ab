"""A local emulator of Telegram's Bot API, with simulated people who talk to the bot.

The bot (python-telegram-bot, or anything speaking the Bot API over HTTP) runs against it with
``base_url=emu.base_url`` and ``base_file_url=emu.base_file_url``; tests, the sandbox web chat
and benchmarks play the patients and coordinators.

Python API (one event loop, in-process)::

    emu = BotApiEmulator(token="123:ABC", bot_username="SecondOpinionBot")
    await emu.start(host="127.0.0.1", port=0)        # emu.port, emu.base_url, emu.base_file_url
    patient = emu.user("Lan", language_code="vi")     # SimulatedUser with a private chat
    coord = emu.user("Minh", user_id=900)
    group = emu.group("Coordinators", members=[coord])  # SimulatedGroup, negative id
    await patient.send_text("/start emp_ACME")       # bot_command entity added
    await patient.send_document(b"%PDF-1.4 ...", file_name="scan.pdf", declared_size=None)
    await patient.send_photo(data); await patient.send_album([a, b, c])
    await patient.send_sticker(); await patient.send_voice(); await patient.send_location(1, 2)
    await patient.send_contact("+84901234567")       # user_id defaults to the sender's own
    msg = await patient.wait_for_message(lambda m: "consent" in m.text, timeout=5)
    query_id = await patient.press(msg, "I agree")   # or press(msg, callback_data="x:y")
    await patient.press_data("forged:1", message_id=msg.message_id)
    await patient.press_keyboard("Share my number")  # reply keyboard (request_contact aware)
    patient.messages, patient.last_message, patient.callback_answers, patient.reply_keyboard
    patient.block_bot(); patient.unblock_bot()
    emu.chat_log(patient); emu.requests; emu.requests_for("sendMessage"); emu.clear_requests()
    emu.refused                # Refusal(method, params, description, error_code): bad requests
    emu.forbidden              # 403 answers (blocked / never-started users), kept apart
    emu.chat_messages(-100900) # the bot's current messages in any chat (by id or object)
    emu.inject("sendMessage", status=429, retry_after=2, count=1)   # or status=502, delay=1.5
    emu.set_down(True)                               # every Bot API request answers 502
    emu.pending_updates; await emu.wait_idle(timeout=5)
    emu.redeliver(update_id); emu.redeliver_last(n)  # duplicate delivery
    emu.webhook_info(); emu.set_webhook_target("http://127.0.0.1:8443/tg/hook")
    emu.commands(scope=None, language_code="vi"); emu.reset(); await emu.stop()

Chats exist only once created: a coordinator group configured in the bot must be made with
``emu.group("Coordinators", members=[...], chat_id=-100900)``, coordinators with
``emu.user(user_id=9001)``; anything else answers ``400 Bad Request: chat not found``.

Messages are :class:`EmuMessage` snapshots: ``message_id``, ``text`` (visible text, or the
caption), ``html`` (as sent), ``entities``, ``reply_markup`` (as sent, inline or reply
keyboard), ``buttons`` (flat ``(label, callback_data or url)``), ``button_rows``,
``document`` / ``photo`` / ``sticker`` / ``voice`` (:class:`FileData` with ``data`` bytes),
``contact``, ``location``, ``media_group_id``, ``edited``, ``api`` (the Telegram dict).

Bot API (``/bot{token}/{method}``, GET or POST, JSON / urlencoded / multipart bodies, method
names case-insensitive; ``/file/bot{token}/{file_path}`` serves files): getMe, logOut, close,
getUpdates (long polling, offset, limit, allowed_updates), setWebhook, deleteWebhook,
getWebhookInfo, sendMessage, editMessageText, editMessageCaption, editMessageReplyMarkup,
deleteMessage, answerCallbackQuery, sendDocument, sendPhoto, sendMediaGroup (photos or
documents), sendChatAction, getFile, set/get/deleteMyCommands, set/getChatMenuButton,
copyMessage, forwardMessage, getChat, getChatMember, set/getMyDescription,
set/getMyShortDescription, set/getMyName. Other methods of the schema are refused with 400
``method X is not supported by the emulator``. Every request is checked against the official
schema (see :mod:`sandbox.schema`) and Telegram's limits; refusals are recorded in
``emu.refused`` (403 answers for blocked or never-started users go to ``emu.forbidden``
instead: they reflect the person, not a faulty request; injected faults go nowhere).

Deliberate differences from Telegram: unknown parameters are refused (Telegram ignores them),
except ``parse_mode``, ``disable_notification``, ``protect_content`` and
``link_preview_options``, which python-telegram-bot's ``Defaults`` add to every edit and are
dropped silently; HTML is parsed strictly (a bare ``&`` and ``<a>`` without ``href`` are
errors); text and caption lengths are counted in Unicode code points after entity parsing and
trimming; Markdown parse modes are accepted without parsing; no flood limits; group messages all
reach the bot (as with privacy mode off); inline mode, payments, polls and other media kinds are
not emulated; ``set_down`` answers 502 rather than refusing connections; photo sizes (a 90 px
thumbnail and the full size) share the same bytes.

Webhook: after setWebhook, updates are POSTed one at a time, in order, with
``X-Telegram-Bot-Api-Secret-Token``; a non-2xx answer or a connection error is retried with
backoff (0.05 s doubling to 1 s) and shown in getWebhookInfo; getUpdates then answers 409.

HTTP control API (``/_emu/``; answers ``{"ok": true, "result": ...}`` or
``{"ok": false, "error": "..."}``; CORS open):

- ``GET  /_emu/info`` — bot, urls, webhook url, pending updates, ``last_seq``.
- ``GET  /_emu/users``; ``POST /_emu/users`` ``{first_name, last_name?, username?,
  language_code?, user_id?, started?}`` → ``{id, first_name, ..., chat_id, blocked}``.
- ``POST /_emu/groups`` ``{title, member_ids, chat_id?}``; ``GET /_emu/chats``.
- ``POST /_emu/send`` JSON ``{user_id, chat_id?, text, reply_to_message_id?}`` or with
  ``sticker: "👍"``, ``voice: true``, ``contact: {phone_number, user_id?, first_name?}``,
  ``location: {latitude, longitude}``; or multipart with fields ``user_id``, ``chat_id?``,
  ``caption?``, ``declared_size?`` and a ``document`` file part or one or more ``photo`` parts
  (several = an album) → ``{messages: [message]}``.
- ``POST /_emu/press`` ``{user_id, chat_id?, message_id, callback_data | label}`` →
  ``{callback_query_id}``.
- ``POST /_emu/block`` ``{user_id, blocked: true|false}``.
- ``GET  /_emu/chats/{chat_id}/messages?after=N`` → ``{chat, messages, notices,
  reply_keyboard, last_seq}``: current messages with id > N (both sides), callback answers as
  notices, the reply keyboard on show. A message is ``{id, chat_id, from_bot, from, date, kind,
  text, html (safe to render: Telegram's HTML subset or escaped text), buttons (rows of inline
  button dicts: text + callback_data | url | ...), keyboard (reply keyboard rows or null),
  document / photo / voice ({file_id, name, mime_type, size, width, height, url}), sticker,
  contact, location, media_group_id, reply_to_message_id, edited}``.
- ``GET  /_emu/events?since=SEQ&timeout=25&chat_id=C`` — long poll: ``{events, last_seq,
  missed}``; an event is ``{seq, type: message_new | message_edited | message_deleted |
  callback_answer, chat_id, message_id, message, notice}``. Pass the last ``last_seq`` as
  ``since``; ``missed`` means older events were dropped (refetch the messages).
- ``GET  /_emu/files/{file_id}`` — the file's bytes.
- ``POST /_emu/inject`` ``{method, status?, retry_after?, delay?, count?, description?}``;
  ``POST /_emu/down`` ``{down: bool}``; ``POST /_emu/reset``.
- ``GET  /_emu/refused``; ``GET /_emu/requests``.

Standalone: ``python -m sandbox.emulator --port 8081 --token 123:ABC``.
"""

from sandbox.emulator.model import (
    ApiError,
    CallbackAnswer,
    ChatEvent,
    EmuMessage,
    FileData,
    Refusal,
    UserRecord,
)
from sandbox.emulator.people import (
    MessageLike,
    MessagePredicate,
    SimulatedGroup,
    SimulatedUser,
)
from sandbox.emulator.server import BotApiEmulator

__all__ = [
    "ApiError",
    "BotApiEmulator",
    "CallbackAnswer",
    "ChatEvent",
    "EmuMessage",
    "FileData",
    "MessageLike",
    "MessagePredicate",
    "Refusal",
    "SimulatedGroup",
    "SimulatedUser",
    "UserRecord",
]
