"""The sandbox web chat in a real browser: a patient's whole journey typed and clicked on the
page (/start → language → consent → menu → guidance → intake with an upload and the contact
button → submit), then the coordinator sees the alert in the group; plus HTML safety, edits in
place, toasts, file downloads, and the reset button.

Set SANDBOX_SCREENSHOT=docs/sandbox.png to write the README's screenshot along the way.
"""

from __future__ import annotations

import io
import os
import re
from datetime import date
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.conftest import CHROMIUM
from tests.fixtures import samples

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"),
]

WAIT = 10_000  # ms: the bot answers within a second; generous for slow CI machines
#: A person's pace: the bot's flood control allows 30 updates per 10 s per person.
PACE = 340  # ms


def scan_photo() -> bytes:
    """A photo that looks like something (for the screenshot): a grey radial gradient."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.radial_gradient("L").resize((480, 320)).convert("RGB").save(
        buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def save_screenshot(png: bytes, path: Path) -> None:
    """A small PNG (256 colours) for the README."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, optimize=True)


def bot_message(page: Page, text: str | re.Pattern[str]):
    """The latest bot message containing ``text``."""
    return page.locator(".msg.bot", has_text=text).last


async def click(page: Page, message_text: str | re.Pattern[str], button: str | re.Pattern[str]
                ) -> None:
    """Press an inline button of the latest bot message containing ``message_text``."""
    message = bot_message(page, message_text)
    await expect(message).to_be_visible(timeout=WAIT)
    await page.wait_for_timeout(PACE)
    await message.get_by_role("button", name=button).click()


async def type_message(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    await page.wait_for_timeout(PACE)
    await box.fill(text)
    await box.press("Enter")


async def open_chat(page: Page, title: str) -> None:
    await page.locator("#chats").get_by_role("button", name=re.compile(re.escape(title))).click()
    await expect(page.locator(".chat-item.active")).to_contain_text(title)


async def onboard(page: Page, name: str = "Ann (en)") -> None:
    await open_chat(page, name)
    await page.get_by_role("button", name="START").click()
    await expect(page.locator(".msg.me").last).to_have_text(re.compile("/start"))
    await click(page, "language", "English")
    await click(page, "not an emergency service", re.compile("Continue"))
    consent = bot_message(page, "privacy notice")
    await expect(consent).to_be_visible(timeout=WAIT)
    # Telegram's HTML is rendered as elements (the privacy link is a real link).
    link = consent.locator(".text a").first
    await expect(link).to_have_attribute("href", re.compile(r"^http://127\.0\.0\.1:\d+/privacy"))
    await expect(link).to_have_attribute("target", "_blank")
    await click(page, "privacy notice", "✅ I agree")
    await expect(bot_message(page, "What would you like to do?")).to_be_visible(timeout=WAIT)


async def test_patient_journey_then_coordinator_alert(sandbox, browser_page, tmp_path):
    page: Page = browser_page
    await page.goto(sandbox.url)
    await expect(page.locator("#chat-title")).to_have_text("Second Opinion")
    chats = page.locator("#chats .chat-item")
    await expect(chats).to_have_count(5)
    for title in ("Lan (vi)", "Ann (en)", "Minh (vi)", "Hoa (coordinator)", "Coordinators"):
        await expect(page.locator("#chats")).to_contain_text(title)

    # -- onboarding: /start → language → about → consent → menu
    await onboard(page)
    menu = bot_message(page, "What would you like to do?")
    await expect(menu.get_by_role("button")).not_to_have_count(0)

    # -- guidance: one question at a time; the checklist is edited in place
    await menu.get_by_role("button", name=re.compile("Should I get a second opinion")).click()
    await click(page, "emergency", "No")
    await click(page, "hospital", "No")
    await click(page, "four weeks", "No")
    checklist = bot_message(page, "Rare condition")
    await expect(checklist).to_be_visible(timeout=WAIT)
    count_before = await page.locator(".msg").count()
    await checklist.get_by_role("button", name=re.compile("Rare condition")).click()
    await expect(checklist.get_by_role("button", name=re.compile("☑️ Rare condition"))
                 ).to_be_visible(timeout=WAIT)
    assert await page.locator(".msg").count() == count_before  # replaced, not added
    await expect(checklist.locator(".edited")).to_be_visible()
    await checklist.get_by_role("button", name=re.compile("Done")).click()
    await click(page, "does not hold for every case", re.compile("Continue"))
    await click(page, "A rare condition", "📝 Start my case")

    # -- intake: track, specialty (typed search), answers typed or pressed
    await click(page, "International expert", "🌍 International expert")
    await expect(bot_message(page, re.compile("specialty", re.I))).to_be_visible(timeout=WAIT)
    await type_message(page, "heart")
    await click(page, re.compile("Cardiology"), re.compile("Cardiology"))
    await expect(bot_message(page, "current diagnosis")).to_be_visible(timeout=WAIT)
    await type_message(page, "Mitral valve prolapse <b>moderate</b> & stable")
    # The patient's own text is shown as text, never as markup.
    mine = page.locator(".msg.me").last
    await expect(mine).to_contain_text("<b>moderate</b> & stable")
    assert await mine.locator("b").count() == 0
    await click(page, "treatment plan", "No treatment plan yet")
    await click(page, "surger", "No surgeries")
    await click(page, "medic", "I take no medicines")
    await click(page, "allerg", "No allergies")

    # -- records: a PDF sent from the page's file picker, then its kind and date
    records = bot_message(page, "A complete case usually has")
    await expect(records).to_be_visible(timeout=WAIT)
    pdf = tmp_path / "blood-test.pdf"
    pdf.write_bytes(samples.pdf(date(2024, 3, 12)))
    await page.locator("#file-input").set_input_files(str(pdf))
    sent = page.locator(".msg.me .file").last
    await expect(sent).to_contain_text("blood-test.pdf", timeout=WAIT)
    # The file is downloadable from the page, byte for byte. (The message is drawn again once
    # the emulator has it, so a click can land on the element being replaced: try again.)
    download = None
    for _attempt in range(3):
        try:
            async with page.expect_download(timeout=10_000) as info:
                await page.locator(".msg.me .file").last.click()
            download = await info.value
            break
        except PlaywrightTimeoutError:
            continue
    assert download is not None, "the sent file could not be downloaded from the page"
    assert Path(await download.path()).read_bytes() == pdf.read_bytes()
    kind = bot_message(page, "Received and stored safely")
    await expect(kind).to_be_visible(timeout=WAIT)
    if os.environ.get("SANDBOX_SCREENSHOT"):  # the README's picture: a conversation going on
        await page.wait_for_timeout(600)
        save_screenshot(await page.screenshot(), Path(os.environ["SANDBOX_SCREENSHOT"]))
    await kind.get_by_role("button").first.click()
    await click(page, "12 Mar 2024", "✅ Yes, that's right")
    # A photo from the photo picker.
    photo = tmp_path / "scan.jpg"
    photo.write_bytes(scan_photo())
    await page.locator("#photo-input").set_input_files(str(photo))
    await expect(page.locator(".msg.me .photo img").last).to_be_visible(timeout=WAIT)
    await click(page, "Received and stored safely", re.compile("Imaging"))
    await click(page, "type the date", "📅 Today")
    # The timeline: remove the photo again; the bot answers the press with a notice (toast).
    await click(page, "A complete case usually has", re.compile("My records"))
    await click(page, "oldest first", re.compile(r"🗑\S* 2"))
    await click(page, "Remove this record", re.compile("Yes, remove it"))
    await expect(page.locator("#toast")).to_contain_text("Removed", timeout=WAIT)
    await click(page, "A complete case usually has", "✅ Done — next step")

    # -- questions, then the phone number with the reply keyboard's contact button
    await click(page, "Is my current diagnosis accurate?", "✅ Done — next step")
    keyboard = page.locator("#reply-keyboard")
    await expect(keyboard).to_be_visible(timeout=WAIT)
    await keyboard.get_by_role("button", name=re.compile("Share my phone number")).click()
    await expect(page.locator("dialog")).to_contain_text("+84901000002")
    await page.locator("dialog").get_by_role("button", name="Share").click()
    await expect(page.locator(".msg.me .contact").last).to_contain_text("+84901000002")
    review = bot_message(page, "Please check your case")
    await expect(review).to_be_visible(timeout=WAIT)
    await expect(keyboard).to_be_hidden()
    for expected in ("International", "Cardiology", "Mitral valve prolapse", "+84901000002"):
        await expect(review).to_contain_text(expected)

    # -- submit: a case number
    await review.get_by_role("button", name="📨 Send my case").click()
    done = bot_message(page, "Your case has been sent")
    await expect(done).to_be_visible(timeout=WAIT)
    number = re.search(r"SO-[0-9A-Z-]+", await done.inner_text())
    assert number is not None

    # -- the coordinator: the alert in the coordinators' group, without clinical text
    await open_chat(page, "Coordinators")
    alert = bot_message(page, number.group(0))
    await expect(alert).to_be_visible(timeout=WAIT)
    await expect(alert).to_contain_text("Cardiology")
    await expect(alert).not_to_contain_text("Mitral")
    await expect(alert.get_by_role("button", name=re.compile("Claim"))).to_be_visible()
    # (Claiming the case belongs to the coordinator console, not built yet.)


async def send_as_bot(sandbox, chat_id: int, html: str) -> None:
    """What the bot could send: straight through the emulator's Bot API."""
    emulator = sandbox.emulator
    async with aiohttp.ClientSession() as session, session.post(
            f"{emulator.base_url}{emulator.token}/sendMessage",
            json={"chat_id": chat_id, "text": html, "parse_mode": "HTML"}) as response:
        body = await response.json()
    assert body["ok"], body


async def test_html_commands_unread_and_reset(sandbox, browser_page):
    page: Page = browser_page
    await page.goto(sandbox.url)
    await open_chat(page, "Minh (vi)")
    await page.get_by_role("button", name="START").click()
    language = bot_message(page, "ngôn ngữ")
    await expect(language).to_be_visible(timeout=WAIT)
    await expect(language.get_by_role("button").first).to_have_text(re.compile("✓ Tiếng Việt"))
    await language.get_by_role("button", name=re.compile("Tiếng Việt")).click()
    await expect(bot_message(page, "không phải dịch vụ cấp cứu")).to_be_visible(timeout=WAIT)

    # Telegram's tags become elements; anything else stays text, and nothing runs.
    minh = next(c for c in sandbox.cast()["chats"] if c["title"] == "Minh (vi)")
    await send_as_bot(sandbox, minh["chat_id"], (
        "<b>bold</b> <i>it</i> <u>u</u> <s>s</s> <code>x&lt;y</code> "
        "<tg-spoiler>secret</tg-spoiler> <a href=\"https://example.org/a?b=1&amp;c=2\">link</a>\n"
        "<blockquote>quoted</blockquote><pre>pre  text</pre>"
        "&lt;img src=x onerror=\"window.hacked=1\"&gt; &lt;script&gt;window.hacked=2&lt;/script&gt;"))
    shown = bot_message(page, "bold")
    await expect(shown).to_be_visible(timeout=WAIT)
    text = shown.locator(".text")
    for tag, content in (("b", "bold"), ("i", "it"), ("u", "u"), ("s", "s"), ("code", "x<y"),
                         ("blockquote", "quoted"), ("pre", "pre  text"), (".spoiler", "secret")):
        await expect(text.locator(tag).first).to_have_text(content)
    await expect(text.locator("a")).to_have_attribute("href", "https://example.org/a?b=1&c=2")
    await expect(text).to_contain_text('<img src=x onerror="window.hacked=1">')
    await expect(text).to_contain_text("<script>window.hacked=2</script>")
    assert await text.locator("img, script").count() == 0
    assert await page.evaluate("window.hacked") is None

    # The command menu lists the bot's commands in the patient's language and sends one.
    await page.get_by_role("button", name="Commands").click()
    await expect(page.locator("#commands")).to_contain_text("/help")
    await page.locator("#commands").get_by_role("menuitem", name="/help").click()
    await expect(page.locator(".msg.me").last).to_have_text(re.compile("/help"))

    # The bot writing in another chat: an unread badge there.
    lan = next(c for c in sandbox.cast()["chats"] if c["title"] == "Lan (vi)")
    await send_as_bot(sandbox, lan["chat_id"], "Xin chào")
    badge = page.locator(".chat-item", has_text="Lan (vi)").locator(".badge")
    await expect(badge).to_have_text("1", timeout=WAIT)
    await open_chat(page, "Lan (vi)")
    await expect(badge).to_have_count(0)
    await expect(bot_message(page, "Xin chào")).to_be_visible()

    # Reset: the emulated Telegram and the sandbox database are cleared; the page starts fresh.
    await page.get_by_role("button", name=re.compile("Reset")).click()
    await page.locator("dialog").get_by_role("button", name="Reset").click()
    await expect(page.locator("#overlay")).to_be_visible()
    await expect(page.locator("#overlay")).to_be_hidden(timeout=30_000)
    await expect(page.locator("#toast")).to_be_hidden()
    assert sandbox.generation == 2
    await expect(page.locator(".msg")).to_have_count(0)
    await open_chat(page, "Minh (vi)")
    await expect(page.locator(".msg")).to_have_count(0)
    await expect(page.get_by_role("button", name="START")).to_be_visible()
    assert sandbox.running is not None
    assert await sandbox.running.services.patients.get(telegram_user_id=minh["actor_id"]) is None
    # And the fresh bot answers.
    await page.get_by_role("button", name="START").click()
    await expect(bot_message(page, "ngôn ngữ")).to_be_visible(timeout=WAIT)
