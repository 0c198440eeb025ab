"""Time zones as people name them: a short list of common zones, a zone found from what someone
typed (an IANA name in any case, or a city such as ``Hanoi``, ``Hà Nội``, ``new york``), the
zone suggested for a language, and a zone's label in the catalogs. Pure functions, shared by
every flow that asks for a time zone (flows never import each other).
"""

from __future__ import annotations

import difflib
import unicodedata
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.texts import Texts

COMMON_ZONES = (
    "Asia/Ho_Chi_Minh", "Asia/Bangkok", "Asia/Singapore", "Asia/Tokyo", "Europe/London",
    "Europe/Paris", "America/New_York", "America/Los_Angeles", "Australia/Sydney",
)

#: The zone most people who speak a language live in (None: no good guess).
LANGUAGE_ZONES: dict[str, str] = {"vi": "Asia/Ho_Chi_Minh"}

# Places people type that are not the city in a zone's name.
CITY_ALIASES = {
    "hanoi": "Asia/Ho_Chi_Minh", "ha noi": "Asia/Ho_Chi_Minh", "saigon": "Asia/Ho_Chi_Minh",
    "sai gon": "Asia/Ho_Chi_Minh", "hcm": "Asia/Ho_Chi_Minh", "tphcm": "Asia/Ho_Chi_Minh",
    "tp hcm": "Asia/Ho_Chi_Minh", "ho chi minh city": "Asia/Ho_Chi_Minh",
    "da nang": "Asia/Ho_Chi_Minh", "danang": "Asia/Ho_Chi_Minh", "hue": "Asia/Ho_Chi_Minh",
    "hai phong": "Asia/Ho_Chi_Minh", "can tho": "Asia/Ho_Chi_Minh",
    "vietnam": "Asia/Ho_Chi_Minh", "viet nam": "Asia/Ho_Chi_Minh",
    "luan don": "Europe/London", "new york city": "America/New_York", "nyc": "America/New_York",
    "washington": "America/New_York", "boston": "America/New_York",
    "san francisco": "America/Los_Angeles", "seattle": "America/Los_Angeles",
    "houston": "America/Chicago", "dallas": "America/Chicago", "beijing": "Asia/Shanghai",
    "bac kinh": "Asia/Shanghai", "seoul": "Asia/Seoul", "han quoc": "Asia/Seoul",
    "nhat ban": "Asia/Tokyo", "japan": "Asia/Tokyo", "thai lan": "Asia/Bangkok",
    "thailand": "Asia/Bangkok", "phnom penh": "Asia/Phnom_Penh", "vientiane": "Asia/Vientiane",
    "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata", "mumbai": "Asia/Kolkata",
    "melbourne": "Australia/Melbourne", "uc": "Australia/Sydney", "phap": "Europe/Paris",
    "france": "Europe/Paris", "germany": "Europe/Berlin", "duc": "Europe/Berlin",
    "my": "America/New_York",
}
MAX_CHOICES = 6


def fold(text: str) -> str:
    """Lower case, no accents (đ → d), single spaces for ``_`` and ``-``."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().replace("_", " ").replace("-", " ").split())


@lru_cache(maxsize=1)
def all_zones() -> tuple[str, ...]:
    """Region/City zones (no Etc/ and legacy aliases), sorted: indexes are button ids."""
    return tuple(sorted(z for z in available_timezones()
                        if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/"))))


@lru_cache(maxsize=1)
def _by_city() -> dict[str, list[str]]:
    cities: dict[str, list[str]] = {}
    for zone in all_zones():
        cities.setdefault(fold(zone.rsplit("/", 1)[-1]), []).append(zone)
    return cities


def find_zones(typed: str) -> list[str]:
    """Zones matching what someone typed: exact IANA name, alias, city, or near spelling."""
    text = typed.strip()
    if not text or len(text) > 64:
        return []
    exact = {z.lower(): z for z in available_timezones()}
    if text.lower() in exact:
        return [exact[text.lower()]]
    folded = fold(text)
    if folded in CITY_ALIASES:
        return [CITY_ALIASES[folded]]
    cities = _by_city()
    if folded in cities:
        return cities[folded][:MAX_CHOICES]
    joined = folded.replace(" ", "")
    for city, zones in cities.items():
        if city.replace(" ", "") == joined:
            return zones[:MAX_CHOICES]
    close = difflib.get_close_matches(folded, list(cities) + list(CITY_ALIASES),
                                      n=MAX_CHOICES, cutoff=0.85)
    found: list[str] = []
    for name in close:
        for zone in ([CITY_ALIASES[name]] if name in CITY_ALIASES else cities[name]):
            if zone not in found:
                found.append(zone)
    return found[:MAX_CHOICES]


def is_zone(name: str | None) -> bool:
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def suggest_zone(language: str, default: str) -> str:
    """The zone to offer first to someone who speaks ``language``."""
    return LANGUAGE_ZONES.get(language, default)


def zone_button_id(zone: str) -> str | None:
    """A short id for a zone in callback data: ``c<i>`` (common list) or ``z<i>`` (all)."""
    if zone in COMMON_ZONES:
        return f"c{COMMON_ZONES.index(zone)}"
    zones = all_zones()
    return f"z{zones.index(zone)}" if zone in zones else None


def zone_from_id(ident: str | None) -> str | None:
    if not ident or not ident[1:].isdigit() or len(ident) > 6:
        return None
    index = int(ident[1:])
    table = COMMON_ZONES if ident[0] == "c" else all_zones() if ident[0] == "z" else ()
    return table[index] if index < len(table) else None


def zone_label(texts: Texts, lang: str, zone: str, *, short: bool = False) -> str:
    """How a zone is called in the catalogs (``tz-asia-ho-chi-minh``), else its city.
    ``short``: the form for running text (``tz-short-…`` where the list's label is long)."""
    key = zone.lower().replace("/", "-").replace("_", "-")
    for candidate in ((f"tz-short-{key}",) if short else ()) + (f"tz-{key}",):
        if texts.has(lang, candidate):
            return texts.render(lang, candidate)
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def utc_offset(zone: str, at: datetime) -> str:
    """``UTC+7``, ``UTC-4``, ``UTC+5:30`` at a moment."""
    offset = at.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
