"""The one grammar of callback data: ``feature:action[:id]``, ids only, under 64 bytes.

Callback data comes back from the client and is never trusted: `parse` accepts only this shape,
and every handler re-checks who may press the button and whether the target is theirs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PART = r"[a-z][a-z0-9_]{0,23}"
_ID = r"[A-Za-z0-9_-]{1,32}"
_GRAMMAR = re.compile(rf"^({_PART}):({_PART})(?::({_ID}))?$")
MAX_BYTES = 64


@dataclass(frozen=True, slots=True)
class CallbackData:
    feature: str
    action: str
    id: str | None = None

    @property
    def int_id(self) -> int | None:
        if self.id is None or not self.id.isdigit() or len(self.id) > 18:
            return None
        return int(self.id)


def cb(feature: str, action: str, id: object | None = None) -> str:
    data = f"{feature}:{action}" if id is None else f"{feature}:{action}:{id}"
    if len(data.encode()) > MAX_BYTES or _GRAMMAR.match(data) is None:
        raise ValueError(f"bad callback data {data!r}")
    return data


def parse(data: str | None) -> CallbackData | None:
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    m = _GRAMMAR.match(data)
    if m is None:
        return None
    return CallbackData(m.group(1), m.group(2), m.group(3))


def pattern(feature: str, action: str | None = None) -> re.Pattern[str]:
    """An anchored pattern for CallbackQueryHandler: one feature, optionally one action."""
    act = re.escape(action) if action else _PART
    return re.compile(rf"^{re.escape(feature)}:{act}(?::{_ID})?$")
