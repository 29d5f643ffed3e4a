"""mail: used one-click action links and reader unsubscribes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 18:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('used_action_token',
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['editor_id'], ['editor.id'], name=op.f('fk_used_action_token_editor_id_editor')),
    sa.ForeignKeyConstraint(['request_id'], ['correction_request.id'], name=op.f('fk_used_action_token_request_id_correction_request')),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_used_action_token'))
    )
    op.create_table('mail_unsubscribe',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_mail_unsubscribe_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_unsubscribe')),
    sa.UniqueConstraint('site_id', 'email', name=op.f('uq_mail_unsubscribe_site_id'))
    )


def downgrade():
    op.drop_table('mail_unsubscribe')
    op.drop_table('used_action_token')
