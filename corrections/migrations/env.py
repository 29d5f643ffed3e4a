"""Alembic's environment for Flask-Migrate: the app's engine and models, offline and online."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')


def get_engine():
    return current_app.extensions['migrate'].db.engine


def get_engine_url():
    return get_engine().url.render_as_string(hide_password=False).replace('%', '%%')


config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Write the migrations as SQL (`flask db upgrade --sql`), with no database."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


def include_object(obj, name, type_, reflected, compare_to):
    """Leave text search's per-database objects out of the model comparison (migration 0004):
    PostgreSQL-only indexes elsewhere, and SQLite's FTS5 tables (not models)."""
    from corrections.models import SQLITE_SEARCH_TABLES

    dialect = context.get_bind().dialect.name
    only_on = obj.info.get("dialect") if type_ == "index" and not reflected else None
    if only_on and only_on != dialect:
        return False
    if type_ == "table" and reflected and name.startswith(SQLITE_SEARCH_TABLES):
        return False
    return True


def run_migrations_online():
    """Run the migrations against the app's database."""

    # An autogenerate that finds no change writes no empty revision.
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    if conf_args.get("include_object") is None:
        conf_args["include_object"] = include_object

    connectable = get_engine()

    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            **conf_args
        )

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
