"""Both languages have every message and every button label, and every message renders within
Telegram's limits as valid Telegram HTML (checked with the emulator's parser)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fluent.syntax import FluentParser, ast
from fluent.syntax.visitor import Visitor

from bot.app import COMMANDS
from bot.texts import LOCALES_DIR, Texts
from conversations.guidance import SITUATIONS
from conversations.settings import COMMON_ZONES
from handlers.info import PAGES
from handlers.menu import MENU_ITEMS
from sandbox.html_check import EntityParseError, parse_html, utf16_len

MAX_TEXT = 4096
MAX_COMMAND_DESCRIPTION = 256
MAX_BUTTON = 64
BUTTON_PREFIXES = ("btn-", "guide-sit-", "tz-")
LANGUAGES = ("en", "vi")
ENTITY = re.compile(r"&(?:amp|lt|gt|quot|#\d+);")
FACTS = {"emergency_number": "115", "support_email": "care@example.org", "turnaround_days": 7}


class _Variables(Visitor):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_VariableReference(self, node: ast.VariableReference) -> None:
        self.names.add(node.id.name)


def _messages(lang: str) -> dict[str, set[str]]:
    """message id → the variables it uses (facts excluded), from every .ftl of a language."""
    found: dict[str, set[str]] = {}
    for path in sorted(Path(LOCALES_DIR, lang).glob("*.ftl")):
        resource = FluentParser().parse(path.read_text(encoding="utf-8"))
        for entry in resource.body:
            if isinstance(entry, ast.Message):
                visitor = _Variables()
                visitor.visit(entry)
                found[entry.id.name] = visitor.names - set(FACTS)
    return found


@pytest.fixture(scope="module")
def texts() -> Texts:
    return Texts(default_language="en", facts=FACTS)


def _dummy(name: str) -> str:
    # Characters that must be escaped, so an unescaped value would break the HTML.
    if name.endswith("url"):
        return "https://example.org/page?lang=en&x=<1>"
    return f"{name} <&> \"x\""


def test_both_languages_have_the_same_messages(texts):
    en, vi = texts.message_ids("en"), texts.message_ids("vi")
    assert en - vi == set(), f"missing in Vietnamese: {sorted(en - vi)}"
    assert vi - en == set(), f"missing in English: {sorted(vi - en)}"
    assert len(en) > 50


def test_both_languages_use_the_same_variables():
    en, vi = _messages("en"), _messages("vi")
    different = {key: (en[key], vi[key]) for key in en if key in vi and en[key] != vi[key]}
    assert not different


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_renders_as_valid_telegram_html(texts, lang):
    rendered = 0
    for key, variables in sorted(_messages(lang).items()):
        if key.startswith(BUTTON_PREFIXES) or key.startswith("cmd-"):
            continue  # plain text, checked below
        text = texts.render(lang, key, **{name: _dummy(name) for name in variables})
        assert text, key
        try:
            parsed = parse_html(text)
        except EntityParseError as exc:
            pytest.fail(f"{lang}:{key} is not valid Telegram HTML: {exc}")
        assert 0 < utf16_len(parsed.text) <= MAX_TEXT, f"{lang}:{key} is too long"
        rendered += 1
    assert rendered > 50


@pytest.mark.parametrize("lang", LANGUAGES)
def test_button_labels_and_command_descriptions_are_plain_and_short(texts, lang):
    for key, variables in _messages(lang).items():
        values = {name: "14" for name in variables}
        if key.startswith(BUTTON_PREFIXES):
            label = texts.render(lang, key, **values)
            # Buttons are plain text: a tag or an HTML entity would show literally.
            assert "<" not in label and not ENTITY.search(label), f"{lang}:{key} has markup"
            assert 0 < len(label) <= MAX_BUTTON, f"{lang}:{key} is too long for a button"
        if key.startswith("cmd-"):
            description = texts.render(lang, key)
            assert 0 < len(description) <= MAX_COMMAND_DESCRIPTION
            assert "<" not in description


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_id_the_code_builds_exists(texts, lang):
    needed = [f"cmd-{name}" for name in COMMANDS]
    needed += [label for label, _entry, _consent in MENU_ITEMS.values()]
    needed += ["guide-sit-" + s.replace("_", "-") for s in SITUATIONS]
    needed += ["guide-why-" + s.replace("_", "-") for s in SITUATIONS]
    needed += ["tz-" + z.lower().replace("/", "-").replace("_", "-") for z in COMMON_ZONES]
    needed += [page for pages in PAGES.values() for page in pages]
    needed += [f"btn-lang-{code}" for code in LANGUAGES]
    missing = [key for key in needed if not texts.has(lang, key)]
    assert not missing


def test_values_are_escaped(texts):
    text = texts.render("en", "employer-code-saved", code="<b>", name="A & B")
    assert "&lt;b&gt;" in text and "A &amp; B" in text
    parse_html(text)
