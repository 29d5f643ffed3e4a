"""dashboard: queue indexes for keyset pages, and per-site state counts kept by triggers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

STATES = ('new', 'in_review', 'accepted', 'published', 'rejected', 'spam', 'duplicate')

# Each index ends in the queue's sort keys (newest: id; most reported: submission_count, id),
# so a filtered page is a range scan of one page of index entries.
INDEXES = {
    'ix_queue_state': ['state', 'id'],
    'ix_queue_state_reports': ['state', 'submission_count', 'id'],
    'ix_queue_site': ['site_id', 'state', 'id'],
    'ix_queue_site_reports': ['site_id', 'state', 'submission_count', 'id'],
    'ix_queue_kind': ['kind', 'state', 'id'],
    'ix_queue_assignee': ['assignee_id', 'state', 'id'],
}

# SQLite: row triggers (writes are serialised there anyway).
SQLITE_TRIGGERS = [
    """CREATE TRIGGER queue_count_insert AFTER INSERT ON correction_request BEGIN
         INSERT INTO queue_count (site_id, state, request_count) VALUES (NEW.site_id, NEW.state, 1)
         ON CONFLICT (site_id, state) DO UPDATE SET request_count = request_count + 1;
       END""",
    """CREATE TRIGGER queue_count_update AFTER UPDATE OF state, site_id ON correction_request
       WHEN OLD.state IS NOT NEW.state OR OLD.site_id IS NOT NEW.site_id BEGIN
         UPDATE queue_count SET request_count = request_count - 1
         WHERE site_id = OLD.site_id AND state = OLD.state;
         INSERT INTO queue_count (site_id, state, request_count) VALUES (NEW.site_id, NEW.state, 1)
         ON CONFLICT (site_id, state) DO UPDATE SET request_count = request_count + 1;
       END""",
    """CREATE TRIGGER queue_count_delete AFTER DELETE ON correction_request BEGIN
         UPDATE queue_count SET request_count = request_count - 1
         WHERE site_id = OLD.site_id AND state = OLD.state;
       END""",
]

# PostgreSQL: statement triggers with transition tables, so a bulk statement costs one
# aggregate, and counter rows are always locked in (site_id, state) order: no deadlocks.
POSTGRESQL_TRIGGERS = [
    """CREATE FUNCTION queue_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'INSERT' THEN
           INSERT INTO queue_count (site_id, state, request_count)
           SELECT site_id, state, count(*) FROM new_rows GROUP BY site_id, state ORDER BY site_id, state
           ON CONFLICT (site_id, state)
           DO UPDATE SET request_count = queue_count.request_count + EXCLUDED.request_count;
         ELSIF TG_OP = 'UPDATE' THEN
           INSERT INTO queue_count (site_id, state, request_count)
           SELECT site_id, state, sum(delta) FROM (
               SELECT site_id, state, 1 AS delta FROM new_rows
               UNION ALL SELECT site_id, state, -1 FROM old_rows
           ) AS changes
           GROUP BY site_id, state HAVING sum(delta) <> 0 ORDER BY site_id, state
           ON CONFLICT (site_id, state)
           DO UPDATE SET request_count = queue_count.request_count + EXCLUDED.request_count;
         ELSE
           UPDATE queue_count SET request_count = queue_count.request_count - gone.n
           FROM (SELECT site_id, state, count(*) AS n FROM old_rows GROUP BY site_id, state) AS gone
           WHERE queue_count.site_id = gone.site_id AND queue_count.state = gone.state;
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER queue_count_insert AFTER INSERT ON correction_request
       REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION queue_count_apply()""",
    """CREATE TRIGGER queue_count_update AFTER UPDATE ON correction_request
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION queue_count_apply()""",
    """CREATE TRIGGER queue_count_delete AFTER DELETE ON correction_request
       REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION queue_count_apply()""",
]


def create_triggers():
    """Create the queue_count triggers (again: a SQLite batch rebuild of correction_request drops them)."""
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        statements = POSTGRESQL_TRIGGERS
    elif dialect == 'sqlite':
        statements = SQLITE_TRIGGERS
    else:
        raise NotImplementedError(f'queue_count triggers are written for SQLite and PostgreSQL, not {dialect}')
    for statement in statements:
        op.execute(statement)


def drop_triggers():
    for name in ('queue_count_insert', 'queue_count_update', 'queue_count_delete'):
        if op.get_bind().dialect.name == 'postgresql':
            op.execute(f'DROP TRIGGER IF EXISTS {name} ON correction_request')
        else:
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS queue_count_apply()')


def upgrade():
    with op.batch_alter_table('correction_request', schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)

    op.create_table('queue_count',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum(*STATES, name='queue_count_state', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('request_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_queue_count_site_id_site')),
    sa.PrimaryKeyConstraint('site_id', 'state', name=op.f('pk_queue_count'))
    )
    op.execute('INSERT INTO queue_count (site_id, state, request_count) '
               'SELECT site_id, state, count(*) FROM correction_request GROUP BY site_id, state')
    create_triggers()


def downgrade():
    drop_triggers()
    op.drop_table('queue_count')
    with op.batch_alter_table('correction_request', schema=None) as batch_op:
        for name in reversed(INDEXES):
            batch_op.drop_index(name)
