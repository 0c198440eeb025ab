"""Every text a person sees, from the Fluent catalogs in `bot/locales/<lang>/*.ftl`.

`Texts.render` is the one function that turns a message id into HTML for Telegram: every value
passed in is HTML-escaped; the catalog's own markup (<b>, <i>, <a>) is trusted.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fluent.runtime import FluentBundle, FluentResource
from fluent.syntax import ast as fluent_ast

from bot.config import SUPPORTED_LANGUAGES

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent / "locales"


class MissingText(KeyError):
    pass


class Texts:
    def __init__(self, *, default_language: str, facts: Mapping[str, Any],
                 locales_dir: Path = LOCALES_DIR) -> None:
        self.default_language = default_language
        self._facts = {k: _escape(v) for k, v in facts.items()}
        self._bundles: dict[str, FluentBundle] = {}
        self._ids: dict[str, set[str]] = {}
        for lang in SUPPORTED_LANGUAGES:
            bundle = FluentBundle([lang], use_isolating=False)
            ids: set[str] = set()
            for path in sorted((locales_dir / lang).glob("*.ftl")):
                resource = FluentResource(path.read_text(encoding="utf-8"))
                for entry in resource.body:
                    if isinstance(entry, fluent_ast.Message):
                        if entry.id.name in ids:
                            raise ValueError(f"{path}: {entry.id.name} is defined twice")
                        ids.add(entry.id.name)
                    elif isinstance(entry, fluent_ast.Junk):
                        raise ValueError(f"{path}: cannot parse {str(entry.content)[:60]!r}")
                bundle.add_resource(resource)
            self._bundles[lang] = bundle
            self._ids[lang] = ids

    def languages(self) -> tuple[str, ...]:
        return tuple(self._bundles)

    def message_ids(self, lang: str) -> set[str]:
        return set(self._ids[lang])

    def has(self, lang: str, key: str) -> bool:
        return key in self._ids.get(lang, ())

    def render(self, lang: str, key: str, /, **values: Any) -> str:
        bundle = self._bundles.get(lang) or self._bundles[self.default_language]
        if not bundle.has_message(key):
            raise MissingText(f"{lang}:{key}")
        message = bundle.get_message(key)
        if message.value is None:
            raise MissingText(f"{lang}:{key} has no value")
        args = dict(self._facts)
        args.update({k: _escape(v) for k, v in values.items()})
        text, errors = bundle.format_pattern(message.value, args)
        if errors:
            # A missing variable is a programming error; never show a half-made message.
            raise ValueError(f"{lang}:{key}: {errors[0]}")
        return str(text).strip()

    def __call__(self, lang: str, key: str, /, **values: Any) -> str:
        return self.render(lang, key, **values)


def _escape(value: Any) -> Any:
    if isinstance(value, str):
        return html.escape(value, quote=False)
    return value


def pick_language(language_code: str | None, default: str) -> str:
    """Preselect a language from Telegram's language_code ("vi", "vi-VN", "en-US", ...)."""
    if language_code:
        base = language_code.split("-", 1)[0].lower()
        if base in SUPPORTED_LANGUAGES:
            return base
    return default
