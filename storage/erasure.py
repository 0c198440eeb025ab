"""A patient's data rights: everything stored about them (the export), and its erasure.

What belongs to a patient is found from the schema itself, not from a list kept by hand: the
``patients`` row, and every row that reaches it through foreign keys that own (``CASCADE`` or
no action; a ``SET NULL`` key only points at something it does not own). So a table another
feature adds later (its model in `storage.models`, its key to ``cases`` or ``patients``) is in
the export and in the erasure without a change here. Besides those rows: the outbox messages
addressed to the patient's chat, the conversation states kept under their keys, and (for the
export only) the audit events that name them, their cases, records, reports or links.

`ErasureRepo.erase` deletes all of it in one transaction, stages the coordinators' notice for
each open case (built by a ``notify`` callable: the case number only), appends one audit event
``patient.erased`` whose subject is a random erasure id (no Telegram id, no internal id), and
returns the names of the encrypted blobs to delete once it has committed. The blobs' file keys
are wrapped in the deleted rows, so a blob left behind by a crash is unreadable already. The
audit events already written (ids and action names only, never clinical text) stay: the log is
append-only. On SQLite, `compact` then checkpoints the write-ahead log so that the deleted rows'
pages (zeroed by ``PRAGMA secure_delete``) reach the main file and the log is truncated.

What is deliberately left: audit events naming ``patient:<id>``, ``case:<id>`` and the like
(internal ids whose rows are gone: they say that something happened, not to whom); a
``coordinator.refused`` event names the Telegram id of whoever pressed a coordinator button (a
security record, kept whoever pressed it); the coordinators' own records-download links
(``links`` rows without a patient, pointing at a case id that no longer opens anything); the
coordinators' alerts already sent (case numbers and counts only); ``processed_updates`` (update
ids only). Conversation states are found under the keys the patient's conversations use (PTB's
``[chat id, user id]`` and the patient's id); coordinators' own states (keyed by their Telegram
id) are theirs, not the patient's.
"""

from __future__ import annotations

import asyncio
import graphlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, false, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.case_status import OPEN
from storage.models import AuditEvent, Base, ConversationState, OutboxMessage, Patient
from storage.repositories import Outgoing, _Repo, stage_audit, stage_many
from storage.schemas import AuditOut, CaseOut, OutboxOut, PatientOut, _Frozen

log = logging.getLogger(__name__)

PATIENTS = "patients"
#: Tables that are never a patient's even if a key reached them (none today).
_NOT_OWNED: frozenset[str] = frozenset()
ERASED = "patient.erased"


# -- which tables, through which keys -----------------------------------------------------------

@dataclass(frozen=True)
class Edge:
    """``child.child_column`` references ``parent.parent_column`` and so belongs to it."""

    child: str
    child_column: str
    parent: str
    parent_column: str


def ownership_edges(tables: Iterable[Table] | None = None) -> list[Edge]:
    """Foreign keys that own (not ``SET NULL``), between tables reachable from ``patients``."""
    every = list(tables if tables is not None else Base.metadata.tables.values())
    edges = []
    for table in every:
        for fk in table.foreign_keys:
            if (fk.ondelete or "").upper() == "SET NULL":
                continue
            if fk.column.table.name == table.name or table.name in _NOT_OWNED:
                continue
            edges.append(Edge(table.name, fk.parent.name, fk.column.table.name, fk.column.name))
    reachable = {PATIENTS}
    changed = True
    while changed:
        changed = False
        for edge in edges:
            if edge.parent in reachable and edge.child not in reachable:
                reachable.add(edge.child)
                changed = True
    return [e for e in edges if e.parent in reachable and e.child in reachable]


def owned_tables(edges: Sequence[Edge] | None = None) -> list[str]:
    """Every table that holds a patient's rows, parents before children (``patients`` first)."""
    edges = ownership_edges() if edges is None else edges
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter({PATIENTS: set()})
    for edge in edges:
        sorter.add(edge.child, edge.parent)
    return list(sorter.static_order())


def conversation_keys(patient: PatientOut) -> tuple[str, ...]:
    """The keys the patient's conversation states are kept under, in any conversation: PTB's
    ``[chat id, user id]`` (see `bot.persistence.encode_key`) and the patient's id."""
    ptb_key = json.dumps([patient.chat_id, patient.telegram_user_id], separators=(",", ":"))
    return (ptb_key, str(patient.id))


# -- what the repository returns ------------------------------------------------------------------

Row = dict[str, Any]


class PatientData(_Frozen):
    """Everything stored about one patient."""

    patient: PatientOut
    #: every owned row, by table (``patients`` itself is `patient`), parents' tables first
    tables: dict[str, tuple[Row, ...]]
    #: messages queued to the patient's chat (what the bot told them on its own initiative)
    outbox: tuple[OutboxOut, ...]
    #: audit events that name the patient, their cases, records, reports or links
    audit: tuple[AuditOut, ...]
    #: conversation name -> the state kept under the patient's keys
    states: dict[str, str]

    def rows(self, table: str) -> tuple[Row, ...]:
        return self.tables.get(table, ())

    def cases(self) -> list[CaseOut]:
        return [CaseOut.model_validate(r) for r in self.rows("cases")]


class ErasureResult(_Frozen):
    erasure_id: str
    #: encrypted blobs to delete from the record store now that the rows are gone
    blob_names: tuple[str, ...]
    #: numbers of the open cases the coordinators were told about
    withdrawn: tuple[str, ...]
    #: rows deleted, by table (outbox, conversation states and patients included)
    deleted: dict[str, int]


#: Builds the coordinators' notice that an open case was withdrawn (case number only).
WithdrawnNotice = Callable[[CaseOut], Sequence[Outgoing]]


# -- the repository -------------------------------------------------------------------------------

class ErasureRepo(_Repo):
    async def export(self, *, patient_id: int) -> PatientData | None:
        """Everything stored about the patient, in one read transaction."""
        async with self._db.read() as s:
            row = await s.get(Patient, patient_id)
            if row is None:
                return None
            patient = PatientOut.model_validate(row)
            owned = await _owned_rows(s, patient)
            outbox = (await s.execute(select(OutboxMessage).where(
                OutboxMessage.chat_id.in_(_chats(patient))).order_by(OutboxMessage.id))
            ).scalars()
            audit = (await s.execute(select(AuditEvent).where(
                _audit_filter(patient, owned)).order_by(AuditEvent.id))).scalars()
            states = (await s.execute(select(ConversationState).where(
                ConversationState.key.in_(conversation_keys(patient)))
                .order_by(ConversationState.name))).scalars()
            return PatientData(
                patient=patient,
                tables={name: tuple(rows) for name, rows in owned.items() if name != PATIENTS},
                outbox=tuple(OutboxOut.model_validate(m) for m in outbox),
                audit=tuple(AuditOut.model_validate(a) for a in audit),
                states={st.name: st.state for st in states})

    async def erase(self, *, patient_id: int, erasure_id: str, notify: WithdrawnNotice
                    ) -> ErasureResult | None:
        """Delete everything stored about the patient, in one transaction. None if there is no
        such patient (any more)."""
        now = self._clock.now()
        async with self._db.transaction() as s:
            row = (await s.execute(select(Patient).where(Patient.id == patient_id)
                                   .with_for_update())).scalar_one_or_none()
            if row is None:
                return None
            patient = PatientOut.model_validate(row)
            edges = ownership_edges()
            order = owned_tables(edges)
            owned = await _owned_rows(s, patient, edges=edges, order=order)
            blobs = sorted({str(r["blob_name"]) for name in order for r in owned[name]
                            if r.get("blob_name")})
            open_cases = [CaseOut.model_validate(r) for r in owned.get("cases", [])
                          if r["status"] in OPEN and r["number"]]
            deleted: dict[str, int] = {}
            # Children first (the cascades would do it; explicit, so a key without CASCADE
            # cannot block the erasure and nothing it owns is left behind).
            tables = Base.metadata.tables
            for name in reversed(order):
                if not owned[name]:
                    continue
                condition = _owned_condition(tables[name], name, edges, owned, patient)
                result = await s.execute(delete(tables[name]).where(condition))
                deleted[name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
            result = await s.execute(delete(OutboxMessage).where(
                OutboxMessage.chat_id.in_(_chats(patient))))
            deleted["outbox"] = int(result.rowcount or 0)  # type: ignore[attr-defined]
            result = await s.execute(delete(ConversationState).where(
                ConversationState.key.in_(conversation_keys(patient))))
            deleted["conversation_states"] = int(
                result.rowcount or 0)  # type: ignore[attr-defined]
            for case in open_cases:
                stage_many(s, notify(case), now=now)
            await stage_audit(s, actor="system", action=ERASED, subject=f"erasure:{erasure_id}",
                              now=now)
            return ErasureResult(erasure_id=erasure_id, blob_names=tuple(blobs),
                                 withdrawn=tuple(c.number or "" for c in open_cases),
                                 deleted=deleted)

    async def exists(self, *, patient_id: int) -> bool:
        async with self._db.read() as s:
            return await s.get(Patient, patient_id) is not None

    async def compact(self, *, attempts: int = 20) -> bool:
        """SQLite: move the write-ahead log into the main file and truncate it, so the bytes
        of deleted rows (zeroed in their pages by ``secure_delete``) are gone from the disk.
        Retried while a reader holds an old snapshot. PostgreSQL: nothing to do here (the rows
        are gone for every reader; autovacuum reclaims their space). True when done."""
        if not self._db.is_sqlite:
            return True
        for attempt in range(attempts):
            async with self._db.engine.connect() as conn:
                auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
                busy, _log, _done = (await auto.execute(
                    text("PRAGMA wal_checkpoint(TRUNCATE)"))).one()
            if not busy:
                return True
            await asyncio.sleep(0.05 * (attempt + 1))
        log.warning("write-ahead log checkpoint stayed busy; it completes on a later one")
        return False


# -- helpers inside a transaction -------------------------------------------------------------

def _chats(patient: PatientOut) -> tuple[int, ...]:
    return tuple({patient.chat_id, patient.telegram_user_id})


def _owned_condition(table: Table, name: str, edges: Sequence[Edge],
                     owned: dict[str, list[Row]], patient: PatientOut) -> ColumnElement[bool]:
    if name == PATIENTS:
        return table.c.id == patient.id
    conditions: list[ColumnElement[bool]] = []
    for edge in edges:
        if edge.child != name:
            continue
        values = {r[edge.parent_column] for r in owned.get(edge.parent, ())} - {None}
        if values:
            conditions.append(table.c[edge.child_column].in_(sorted(values)))
    return or_(*conditions) if conditions else false()


async def _owned_rows(s: AsyncSession, patient: PatientOut, *,
                      edges: Sequence[Edge] | None = None, order: Sequence[str] | None = None
                      ) -> dict[str, list[Row]]:
    edges = ownership_edges() if edges is None else edges
    order = owned_tables(edges) if order is None else order
    tables = Base.metadata.tables
    owned: dict[str, list[Row]] = {}
    for name in order:
        table = tables[name]
        condition = _owned_condition(table, name, edges, owned, patient)
        pk = list(table.primary_key.columns)
        rows = (await s.execute(select(table).where(condition).order_by(*pk))).all()
        owned[name] = [dict(r._mapping) for r in rows]
    return owned


def _audit_filter(patient: PatientOut, owned: dict[str, list[Row]]) -> ColumnElement[bool]:
    subjects = {f"patient:{patient.id}"}
    actors = {f"patient:{patient.id}"}
    for table, prefix in (("cases", "case"), ("records", "record"), ("reports", "report")):
        subjects.update(f"{prefix}:{r['id']}" for r in owned.get(table, ()))
    # coordinators' downloads of a case's records (links of purpose "records", by case id)
    subjects.update(f"records:{r['id']}" for r in owned.get("cases", ()))
    for link in owned.get("links", ()):
        subjects.add(f"link:{link['id']}")
        subjects.add(f"{link['purpose']}:{link['target_id']}")
        actors.add(f"link:{link['id']}")
    return or_(AuditEvent.subject.in_(sorted(subjects)), AuditEvent.actor.in_(sorted(actors)))
