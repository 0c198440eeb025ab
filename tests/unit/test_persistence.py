"""The conversation state is written only when it changed (statements counted on the engine),
and never taken as written after a failed write or an erasure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.persistence import DatabasePersistence, forget_stored_states
from storage.clock import ManualClock
from storage.db import Database, migrate
from storage.erasure import ErasureRepo, conversation_keys
from storage.models import ConversationState
from storage.repositories import ConversationRepo, PatientRepo

NAME = "patient"


class Statements:
    """Every statement the engine sends, as SQL text; ``fail_on`` makes the next statement
    that starts with it fail the way a lost connection would."""

    def __init__(self, db: Database) -> None:
        self.sql: list[str] = []
        self.fail_on: str | None = None
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        self.sql.append(statement)
        if self.fail_on is not None and statement.lstrip().upper().startswith(self.fail_on):
            self.fail_on = None
            raise ConnectionResetError("the database went away")

    def take(self) -> list[str]:
        taken, self.sql = self.sql, []
        return taken

    async def of(self, action: Any) -> list[str]:
        """The statements ``action`` (an awaitable) sends."""
        self.sql = []
        await action
        return self.take()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    await migrate(database_url)
    database = Database(database_url)
    yield database
    await database.dispose()


def _writes(statements: list[str]) -> list[str]:
    return [sql.split()[0] for sql in statements
            if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


async def _stored(db: Database) -> dict[str, str]:
    async with db.read() as s:
        rows = (await s.execute(select(ConversationState.key, ConversationState.state)
                                .where(ConversationState.name == NAME))).all()
        return {key: state for key, state in rows}


async def test_unchanged_state_is_not_written_and_a_changed_one_is(db: Database) -> None:
    clock = ManualClock()
    await ConversationRepo(db, clock).save(name=NAME, key="[1,1]", state="intake.records")
    persistence = DatabasePersistence(ConversationRepo(db, clock))
    assert await persistence.get_conversations(NAME) == {(1, 1): "intake.records"}
    statements = Statements(db)

    def update(key: tuple[int, int], state: str | None) -> Any:
        return statements.of(persistence.update_conversation(NAME, key, state))

    assert await update((1, 1), "intake.records") == []  # as loaded
    assert _writes(await update((1, 1), "intake.review")) == ["UPDATE"]
    assert await _stored(db) == {"[1,1]": "intake.review"}
    assert await update((1, 1), "intake.review") == []  # as written

    assert _writes(await update((2, 2), "menu.main")) == ["INSERT"]  # a new chat
    assert _writes(await update((2, 2), None)) == ["DELETE"]  # the conversation ended
    assert await update((2, 2), None) == []
    assert await _stored(db) == {"[1,1]": "intake.review"}


async def test_a_failed_write_is_not_taken_as_written(db: Database) -> None:
    clock = ManualClock()
    persistence = DatabasePersistence(ConversationRepo(db, clock))
    await persistence.get_conversations(NAME)
    await persistence.update_conversation(NAME, (1, 1), "intake.records")
    statements = Statements(db)
    statements.fail_on = "UPDATE"
    with pytest.raises(Exception, match="went away"):
        await persistence.update_conversation(NAME, (1, 1), "intake.review")
    assert await _stored(db) == {"[1,1]": "intake.records"}
    # The next flush of the same state writes it.
    assert _writes(await statements.of(
        persistence.update_conversation(NAME, (1, 1), "intake.review"))) == ["UPDATE"]
    assert await _stored(db) == {"[1,1]": "intake.review"}


async def test_states_erased_in_the_database_are_written_again(db: Database) -> None:
    clock = ManualClock()
    patient = await PatientRepo(db, clock).get_or_create(telegram_user_id=5, chat_id=5,
                                                         language="en")
    persistence = DatabasePersistence(ConversationRepo(db, clock))
    await persistence.get_conversations(NAME)
    await persistence.update_conversation(NAME, (5, 5), "rights.final")
    assert await _stored(db) == {"[5,5]": "rights.final"}
    erased = await ErasureRepo(db, clock).erase(patient_id=patient.id, erasure_id="e1",
                                                notify=lambda case: [])
    assert erased is not None and erased.deleted["conversation_states"] == 1
    assert await _stored(db) == {}
    # What the /deleteme handler does after the erasure (with the application's persistence).
    forget_stored_states(SimpleNamespace(persistence=persistence), conversation_keys(patient))
    await persistence.update_conversation(NAME, (5, 5), "rights.final")
    assert await _stored(db) == {"[5,5]": "rights.final"}
