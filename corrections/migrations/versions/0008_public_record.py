"""public record: published corrections that are amended or withdrawn, never gone

Kept apart from the queue (public_correction), with a site's corrections-policy URL and the
version stamp of its public record that the read API's caches compare.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 15:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch rebuild): correction_request's triggers are not touched.
    op.add_column('site', sa.Column('corrections_policy_url', sa.String(length=2000),
                                    nullable=False, server_default=''))
    op.add_column('site', sa.Column('public_version', sa.Integer(), nullable=False,
                                    server_default='0'))
    op.create_table('public_correction',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('publication_type', sa.Enum('correction', 'clarification', 'editors_note', name='public_type', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('published', 'withdrawn', name='public_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawal_reason', sa.Text(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], name=op.f('fk_public_correction_article_id_article')),
    sa.ForeignKeyConstraint(['request_id'], ['correction_request.id'], name=op.f('fk_public_correction_request_id_correction_request')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_public_correction_site_id_site')),
    sa.PrimaryKeyConstraint('request_id', name=op.f('pk_public_correction'))
    )
    with op.batch_alter_table('public_correction', schema=None) as batch_op:
        batch_op.create_index('ix_public_site_changed', ['site_id', 'changed_at', 'request_id'], unique=False)
        batch_op.create_index('ix_public_article_changed', ['article_id', 'changed_at', 'request_id'], unique=False)
    # What is published today becomes the record's first entries, as first published.
    op.execute("""
        INSERT INTO public_correction (request_id, site_id, article_id, publication_type, note,
                                       status, published_at, updated_at, withdrawn_at,
                                       withdrawal_reason, changed_at)
        SELECT id, site_id, article_id, COALESCE(publication_type, 'correction'),
               COALESCE(public_note, ''), 'published', published_at, NULL, NULL, '', published_at
        FROM correction_request
        WHERE state = 'published' AND published_at IS NOT NULL""")


def downgrade():
    with op.batch_alter_table('public_correction', schema=None) as batch_op:
        batch_op.drop_index('ix_public_article_changed')
        batch_op.drop_index('ix_public_site_changed')
    op.drop_table('public_correction')
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('public_version')
        batch_op.drop_column('corrections_policy_url')
