"""Looking for a person's data where it must not be: every column of every table (found by
SQLAlchemy reflection, so tables added later are scanned too), every file under DATA_DIR (raw
bytes: the SQLite file and its write-ahead log included), logs and chats."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData


@dataclass(frozen=True)
class Hit:
    where: str
    needle: str

    def __str__(self) -> str:
        return f"{self.needle!r} in {self.where}"


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode("utf-8", "surrogatepass")


def _needles(needles: Iterable[str]) -> list[tuple[str, bytes, bytes]]:
    """Each needle as UTF-8 and as UTF-16 (a name or a text could be stored either way)."""
    return [(n, n.encode(), n.encode("utf-16-le")) for n in needles if n]


async def scan_database(db: Any, needles: Iterable[str]) -> list[Hit]:
    """Every value of every column of every table, as text or bytes."""
    wanted = _needles(needles)
    metadata = MetaData()
    hits: list[Hit] = []
    async with db.engine.connect() as conn:
        await conn.run_sync(metadata.reflect)
        for table in metadata.sorted_tables:
            columns = ", ".join(f'"{c.name}"' for c in table.columns)
            rows = (await conn.exec_driver_sql(
                f'SELECT {columns} FROM "{table.name}"')).all()  # noqa: S608 - reflected names
            for row in rows:
                for column, value in zip(table.columns, row, strict=True):
                    if value is None:
                        continue
                    data = _as_bytes(value)
                    for needle, utf8, utf16 in wanted:
                        if utf8 in data or utf16 in data:
                            hits.append(Hit(f"{table.name}.{column.name}", needle))
    return hits


async def table_names(db: Any) -> list[str]:
    metadata = MetaData()
    async with db.engine.connect() as conn:
        await conn.run_sync(metadata.reflect)
    return [t.name for t in metadata.sorted_tables]


def scan_files(root: Path, needles: Iterable[str]) -> tuple[list[Hit], int]:
    """Every file under ``root``, byte for byte. Returns the hits and how many files."""
    wanted = _needles(needles)
    hits: list[Hit] = []
    count = 0
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        count += 1
        data = path.read_bytes()
        for needle, utf8, utf16 in wanted:
            if utf8 in data or utf16 in data:
                hits.append(Hit(str(path.relative_to(root)), needle))
    return hits, count


def number_pattern(value: int) -> re.Pattern[str]:
    """A number standing alone (not a digit run inside a longer number or a hex hash)."""
    return re.compile(rf"(?<![0-9A-Fa-f]){value}(?![0-9A-Fa-f])")


def in_texts(texts: Iterable[str], needles: Iterable[str]) -> list[str]:
    found = []
    for text in texts:
        for needle in needles:
            if needle and needle in text:
                found.append(needle)
    return found
