"""events: the intake records what happened; the mail worker writes the emails

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 16:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('mail_due', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.create_index(batch_op.f('ix_event_mail_due'), ['mail_due'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_event_submission_id_submission'),
                                    'submission', ['submission_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('version')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_event_submission_id_submission'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_event_mail_due'))
        batch_op.drop_column('mail_due')
        batch_op.drop_column('submission_id')
