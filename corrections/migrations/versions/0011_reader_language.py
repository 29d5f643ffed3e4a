"""reader language: the language a reader wrote in, for the pages behind their email links

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 19:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('reader_address', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=False,
                                      server_default=''))


def downgrade():
    with op.batch_alter_table('reader_address', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('language')
