"""operations: process heartbeats (web processes and the mail worker)

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-03 12:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('process_status',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.Column('limiter_storage', sa.String(length=20), nullable=False),
    sa.Column('forwarded_for_seen_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_status')),
    sa.UniqueConstraint('role', 'host', 'pid', name=op.f('uq_process_status_role'))
    )
    with op.batch_alter_table('process_status', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_status_seen_at'), ['seen_at'], unique=False)


def downgrade():
    with op.batch_alter_table('process_status', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_status_seen_at'))
    op.drop_table('process_status')
