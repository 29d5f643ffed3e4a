"""languages: each editor's own language and time zone

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('editor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=False,
                                      server_default='en'))
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=False,
                                      server_default='UTC'))


def downgrade():
    with op.batch_alter_table('editor', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
        batch_op.drop_column('language')
