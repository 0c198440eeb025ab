"""The service's specialties (bot/data/specialties.json): names, pages and type-to-search."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

DATA = files("bot") / "data" / "specialties.json"
UNSURE = "unsure"
PAGE_SIZE = 8


@dataclass(frozen=True)
class Specialty:
    id: str
    names: dict[str, str]
    aliases: tuple[str, ...]

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names["en"]


@cache
def all_specialties() -> tuple[Specialty, ...]:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    return tuple(Specialty(id=item["id"], names={k: item[k] for k in ("en", "vi")},
                           aliases=tuple(item.get("aliases", ())))
                 for item in raw["specialties"])


def by_id(specialty_id: str | None) -> Specialty | None:
    return next((s for s in all_specialties() if s.id == specialty_id), None)


def page_count() -> int:
    return -(-len(all_specialties()) // PAGE_SIZE)


def page(number: int) -> tuple[int, tuple[Specialty, ...]]:
    """The (clamped) page number and its specialties."""
    number = max(0, min(number, page_count() - 1))
    return number, all_specialties()[number * PAGE_SIZE:(number + 1) * PAGE_SIZE]


def fold(text: str) -> str:
    """Lower case without diacritics ("Tim mạch" → "tim mach", "đ" → "d")."""
    text = text.lower().replace("đ", "d")
    return "".join(ch for ch in unicodedata.normalize("NFD", text)
                   if unicodedata.category(ch) != "Mn")


def _words(texts: list[str], *, marks: bool = False) -> set[str]:
    if marks:  # as written, Vietnamese marks kept: "mắt" (eye) is not "mặt" (face)
        return {w for text in texts for w in re.split(r"[\W_]+", text.lower()) if w}
    return {w for text in texts for w in re.split(r"[^a-z0-9]+", fold(text)) if w}


def search(query: str, limit: int = PAGE_SIZE) -> list[Specialty]:
    """Specialties whose name (in any language) or a common word for it matches every word
    of the query: words as typed (with their marks) first, then whole words, then words that
    start with what was typed."""
    if len(query) > 100:
        return []
    typed = [w for w in re.split(r"[\W_]+", query.lower()) if w]
    words = [w for w in re.split(r"[^a-z0-9]+", fold(query)) if w]
    if not words:
        return []
    scored: list[tuple[int, int, Specialty]] = []
    for index, spec in enumerate(all_specialties()):
        texts = [*spec.names.values(), *spec.aliases]
        exact = _words(texts, marks=True)
        names = _words(list(spec.names.values()))
        aliases = _words(list(spec.aliases))
        total = -sum(1 for w in typed if w in exact)
        for word in words:
            if word in names:
                total += 0
            elif word in aliases:
                total += 1
            elif any(n.startswith(word) for n in names):
                total += 2
            elif any(a.startswith(word) for a in aliases):
                total += 3
            else:
                break
        else:
            scored.append((total, index, spec))
    scored.sort(key=lambda item: item[:2])
    return [spec for _, _, spec in scored[:limit]]
