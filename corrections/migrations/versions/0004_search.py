"""search: indexed text search over passage, proposal and comment

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 19:15:00

PostgreSQL: pg_trgm GIN indexes, so `ILIKE '%term%'` is an index lookup.
SQLite: FTS5 tables with the trigram tokenizer (SQLite 3.34+), external-content over
correction_request and submission and kept in sync by triggers; a quoted MATCH phrase is a
case-insensitive substring search. A SQLite batch migration that rebuilds one of those tables
drops these triggers (as it does the queue_count ones): such a migration must create them again
(create_sqlite_triggers below).
"""
import sqlite3

from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# (index, table, column); the same indexes are declared in models.py for PostgreSQL only.
TRIGRAM_INDEXES = [
    ('ix_request_passage_trgm', 'correction_request', 'quote_exact'),
    ('ix_request_proposed_trgm', 'correction_request', 'proposed'),
    ('ix_submission_comment_trgm', 'submission', 'comment'),
]

SQLITE_TABLES = [
    "CREATE VIRTUAL TABLE request_search USING fts5(quote_exact, proposed, "
    "content='correction_request', content_rowid='id', tokenize='trigram')",
    "CREATE VIRTUAL TABLE submission_search USING fts5(comment, "
    "content='submission', content_rowid='id', tokenize='trigram')",
]

SQLITE_TRIGGERS = [
    """CREATE TRIGGER request_search_insert AFTER INSERT ON correction_request BEGIN
         INSERT INTO request_search (rowid, quote_exact, proposed)
         VALUES (NEW.id, NEW.quote_exact, NEW.proposed);
       END""",
    """CREATE TRIGGER request_search_update AFTER UPDATE OF quote_exact, proposed ON correction_request
       BEGIN
         INSERT INTO request_search (request_search, rowid, quote_exact, proposed)
         VALUES ('delete', OLD.id, OLD.quote_exact, OLD.proposed);
         INSERT INTO request_search (rowid, quote_exact, proposed)
         VALUES (NEW.id, NEW.quote_exact, NEW.proposed);
       END""",
    """CREATE TRIGGER request_search_delete AFTER DELETE ON correction_request BEGIN
         INSERT INTO request_search (request_search, rowid, quote_exact, proposed)
         VALUES ('delete', OLD.id, OLD.quote_exact, OLD.proposed);
       END""",
    """CREATE TRIGGER submission_search_insert AFTER INSERT ON submission BEGIN
         INSERT INTO submission_search (rowid, comment) VALUES (NEW.id, NEW.comment);
       END""",
    """CREATE TRIGGER submission_search_update AFTER UPDATE OF comment ON submission BEGIN
         INSERT INTO submission_search (submission_search, rowid, comment)
         VALUES ('delete', OLD.id, OLD.comment);
         INSERT INTO submission_search (rowid, comment) VALUES (NEW.id, NEW.comment);
       END""",
    """CREATE TRIGGER submission_search_delete AFTER DELETE ON submission BEGIN
         INSERT INTO submission_search (submission_search, rowid, comment)
         VALUES ('delete', OLD.id, OLD.comment);
       END""",
]
SQLITE_TRIGGER_NAMES = [f'{table}_search_{op_}' for table in ('request', 'submission')
                        for op_ in ('insert', 'update', 'delete')]


def create_sqlite_triggers():
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        for name, table, column in TRIGRAM_INDEXES:
            op.create_index(name, table, [column], unique=False, postgresql_using='gin',
                            postgresql_ops={column: 'gin_trgm_ops'})
    elif dialect == 'sqlite':
        if sqlite3.sqlite_version_info < (3, 34):
            raise RuntimeError(f'Text search needs SQLite 3.34 or newer (FTS5 trigram tokenizer); '
                               f'this is {sqlite3.sqlite_version}')
        for statement in SQLITE_TABLES:
            op.execute(statement)
        op.execute("INSERT INTO request_search (request_search) VALUES ('rebuild')")
        op.execute("INSERT INTO submission_search (submission_search) VALUES ('rebuild')")
        create_sqlite_triggers()
    else:
        raise NotImplementedError(f'text search is written for SQLite and PostgreSQL, not {dialect}')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name, table, _ in reversed(TRIGRAM_INDEXES):
            op.drop_index(name, table_name=table)
        # The extension stays: other objects may have come to depend on it.
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
        op.execute('DROP TABLE IF EXISTS submission_search')
        op.execute('DROP TABLE IF EXISTS request_search')
