"""audit guard: the audit log refuses UPDATE and DELETE (append-only in the database itself)

The hash chain (``AuditRepo.verify_chain``) detects tampering after the fact; these triggers
refuse it in the first place, whoever connects. PostgreSQL: one trigger function, row triggers
for UPDATE and DELETE and a statement trigger for TRUNCATE. SQLite: BEFORE UPDATE / BEFORE
DELETE triggers that abort. Nothing in the bot updates or deletes audit rows (erasing a patient
appends a "patient.erased" event and leaves the ids-only events in place).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 18:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute("CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON "
                   "audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")
        op.execute("CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()")
    else:
        op.execute("CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
                   "BEGIN SELECT RAISE(ABORT, 'append-only'); END")
        op.execute("CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
                   "BEGIN SELECT RAISE(ABORT, 'append-only'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
