"""Employer benefit codes, from a data file (not an environment variable: DESIGN §3's variables
are a fixed contract).

Operators put the known codes in ``DATA_DIR/employers.json``: a JSON list of codes
(``["ACME", "GLOBEX"]``) or an object mapping each code to the employer's name
(``{"ACME": "Acme Corporation"}``). Without that file the shipped ``bot/data/employers.json``
(one example code, ``ACME``) is used. The file is read on each look-up, so a change needs no
restart. Codes are matched case-insensitively and stored upper-case.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = "employers.json"
SHIPPED = Path(__file__).resolve().parent / "data" / FILE_NAME
DEEP_LINK_PREFIX = "emp_"
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def _parse(raw: object) -> dict[str, str]:
    if isinstance(raw, list):
        return {str(code).upper(): str(code) for code in raw
                if isinstance(code, str) and _CODE.match(code)}
    if isinstance(raw, dict):
        return {str(code).upper(): str(name or code) for code, name in raw.items()
                if isinstance(code, str) and _CODE.match(code)}
    raise ValueError("must be a JSON list of codes or an object {code: name}")


def known_employers(data_dir: Path) -> dict[str, str]:
    """Known codes (upper-case) → employer name."""
    path = data_dir / FILE_NAME
    if not path.exists():
        path = SHIPPED
    try:
        return _parse(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        log.error("employer codes: cannot read %s (%s); no code is accepted", path,
                  type(exc).__name__)
        return {}


def code_from_payload(payload: str | None) -> str | None:
    """The code in a ``/start emp_<CODE>`` payload (upper-case), or None if it is not one."""
    if not payload or not payload.startswith(DEEP_LINK_PREFIX):
        return None
    code = payload[len(DEEP_LINK_PREFIX):]
    return code.upper() if _CODE.match(code) else ""


def lookup(data_dir: Path, code: str) -> str | None:
    """The employer's name for a known code, else None."""
    return known_employers(data_dir).get(code.upper()) if code else None
