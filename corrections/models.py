"""The data model: sites, articles, the queue, submissions, editors, audit events, outbox."""
from __future__ import annotations

import enum
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


def utcnow() -> datetime:
    """Naive UTC, stored the same way on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


def str_enum(enum_class: type[enum.Enum], name: str) -> sa.Enum:
    # VARCHAR plus CHECK instead of a native type: portable and easy to migrate.
    return sa.Enum(enum_class, name=name, native_enum=False, create_constraint=True, length=20,
                   values_callable=lambda members: [m.value for m in members])


class State(enum.StrEnum):
    NEW = "new"
    IN_REVIEW = "in_review"
    ACCEPTED = "accepted"
    PUBLISHED = "published"
    REJECTED = "rejected"
    SPAM = "spam"
    DUPLICATE = "duplicate"


#: States in which a request is still being worked; new reports are grouped into these.
OPEN_STATES = frozenset({State.NEW, State.IN_REVIEW, State.ACCEPTED})


class Kind(enum.StrEnum):
    TYPO = "typo"
    FACTUAL = "factual"
    CLARIFICATION = "clarification"
    BROKEN_LINK = "broken_link"
    OTHER = "other"


class Role(enum.StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"


class NotifyMode(enum.StrEnum):
    IMMEDIATE = "immediate"
    HOURLY = "hourly"
    DAILY = "daily"


class PublicationType(enum.StrEnum):
    CORRECTION = "correction"
    CLARIFICATION = "clarification"
    EDITORS_NOTE = "editors_note"


class PublicStatus(enum.StrEnum):
    """Where a published correction stands on the public record; it never leaves it."""
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Site(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Exact origins ("https://news.example.org") whose pages may send suggestions.
    origins: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: Addresses that receive notifications about this site's queue.
    notify_emails: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    notify_mode: Mapped[NotifyMode] = mapped_column(str_enum(NotifyMode, "notify_mode"),
                                                    default=NotifyMode.IMMEDIATE)
    last_digest_at: Mapped[datetime | None]
    #: When a new request was first left out of immediate mail because NOTIFY_RATE_LIMIT was
    #: reached; the held requests go out in one digest a limit's period later.
    notify_held_since: Mapped[datetime | None]
    #: The page explaining the site's corrections policy, named in its schema.org markup.
    corrections_policy_url: Mapped[str] = mapped_column(sa.String(2000), default="",
                                                        server_default="")
    #: Bumped in the transaction of every change to the public record (publish, amend,
    #: withdraw, a corrected article's new title): every process's read-API cache compares it.
    public_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Bumped by every change made through the ORM (corrections.sites.cache): the intake's
    #: per-process copy of a site is good while this is unchanged.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    def allows_origin(self, origin: str) -> bool:
        return origin in self.origins


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _bump_changed_sites(session, _context, _instances) -> None:
    """Every change to a site moves its version, in whichever process makes it: the intake's
    per-process copies (corrections.sites.cache) are good only while it stands."""
    for site in session.dirty:
        if isinstance(site, Site) and session.is_modified(site, include_collections=False):
            site.version = Site.version + 1


class Article(db.Model):
    """An article page, identified by its normalised URL within a site."""
    __table_args__ = (sa.UniqueConstraint("site_id", "url_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    url: Mapped[str] = mapped_column(sa.Text)
    #: SHA-256 of the URL: long URLs cannot be indexed directly on every database.
    url_hash: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_submission_at: Mapped[datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship()


class Editor(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), default=Role.EDITOR)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    #: The language of the dashboard and of this editor's emails; their time zone for times.
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC", server_default="UTC")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class CorrectionRequest(db.Model):
    """A queue item: one passage of one article with one proposed wording, and its reports."""
    __tablename__ = "correction_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("article.id"), index=True)
    # The passage as a W3C TextQuoteSelector, plus an optional TextPositionSelector.
    quote_exact: Mapped[str] = mapped_column(sa.Text)
    quote_prefix: Mapped[str] = mapped_column(sa.String(64), default="")
    quote_suffix: Mapped[str] = mapped_column(sa.String(64), default="")
    position_start: Mapped[int | None]
    position_end: Mapped[int | None]
    kind: Mapped[Kind] = mapped_column(str_enum(Kind, "kind"))
    #: The reader's proposed wording; empty when none was given.
    proposed: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[State] = mapped_column(str_enum(State, "state"), default=State.NEW)
    #: Bumped by every editor action; an action naming an older version is refused.
    version: Mapped[int] = mapped_column(default=1)
    submission_count: Mapped[int] = mapped_column(default=0)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("editor.id"))
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("correction_request.id"))
    publication_type: Mapped[PublicationType | None] = mapped_column(
        str_enum(PublicationType, "publication_type"))
    public_note: Mapped[str | None] = mapped_column(sa.Text)
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_submission_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When editors were last told about this request (repeat reports send no new mail).
    notified_at: Mapped[datetime | None]

    site: Mapped[Site] = relationship()
    article: Mapped[Article] = relationship()
    assignee: Mapped[Editor | None] = relationship()
    duplicate_of: Mapped[CorrectionRequest | None] = relationship(remote_side=[id])
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="request", order_by="Submission.id")
    events: Mapped[list[Event]] = relationship(back_populates="request", order_by="Event.id")


class Submission(db.Model):
    """One reader's report, grouped under a correction request."""
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("correction_request.id"), index=True)
    #: What the reader is told to quote; random, so it reveals nothing about volume.
    reference: Mapped[str] = mapped_column(sa.String(16), unique=True)
    article_url: Mapped[str] = mapped_column(sa.Text)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    #: In the normal form of corrections.addresses (lower case, ASCII domain).
    email: Mapped[str] = mapped_column(sa.String(254), default="", index=True)
    #: The reader consented to hear the outcome at `email`.
    notify: Mapped[bool] = mapped_column(default=False)
    #: Keyed hash of the client IP; the raw address is never stored.
    client_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    user_agent: Mapped[str] = mapped_column(sa.String(500), default="")
    #: The language the reader came with (the widget's or the form's `lang`), or "" if they
    #: named none (or it was sent before this was kept): then the site's language applies.
    language: Mapped[str] = mapped_column(sa.String(8), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[CorrectionRequest] = relationship(back_populates="submissions")


class Event(db.Model):
    """The audit trail: who changed what, from which state to which, and why.

    An event is also the outbox's record of what happened at intake (a new request, a repeat
    whose reader asked to hear the outcome): `mail_due` stays true until the mail worker has
    written the emails it calls for, in one transaction with clearing it (notifications.events).
    """
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("correction_request.id"), index=True)
    #: The reader's report behind an intake event.
    submission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("submission.id", ondelete="SET NULL"))
    mail_due: Mapped[bool] = mapped_column(default=False, server_default=sa.false(), index=True)
    editor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("editor.id"))
    action: Mapped[str] = mapped_column(sa.String(32))
    from_state: Mapped[State | None] = mapped_column(str_enum(State, "from_state"))
    to_state: Mapped[State] = mapped_column(str_enum(State, "to_state"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[CorrectionRequest] = relationship(back_populates="events")
    submission: Mapped[Submission | None] = relationship()
    editor: Mapped[Editor | None] = relationship()


class PublicCorrection(db.Model):
    """A correction as the public record shows it, apart from the queue item behind it.

    Written only by workflow.transitions.transition(): publishing creates it, amending changes its note,
    withdrawing marks it withdrawn; reopening the request leaves it as it was, so nothing
    published ever disappears. Earlier wordings are kept in the request's audit trail.
    """
    __tablename__ = "public_correction"

    request_id: Mapped[int] = mapped_column(sa.ForeignKey("correction_request.id"),
                                            primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("article.id"))
    publication_type: Mapped[PublicationType] = mapped_column(
        str_enum(PublicationType, "public_type"))
    note: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[PublicStatus] = mapped_column(str_enum(PublicStatus, "public_status"),
                                                 default=PublicStatus.PUBLISHED)
    #: First publication; `updated_at` is the latest amendment or publication since.
    published_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    withdrawal_reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: The latest of the dates above: the order of the log, the feed and the read API.
    changed_at: Mapped[datetime]

    request: Mapped[CorrectionRequest] = relationship()
    article: Mapped[Article] = relationship()


# The public record's keyset pages: a site's newest changes, an article's newest changes.
sa.Index("ix_public_site_changed", PublicCorrection.site_id, PublicCorrection.changed_at,
         PublicCorrection.request_id)
sa.Index("ix_public_article_changed", PublicCorrection.article_id, PublicCorrection.changed_at,
         PublicCorrection.request_id)


class OutboxMessage(db.Model):
    """An email, written in the transaction that caused it and delivered later by the worker."""
    __tablename__ = "outbox_message"
    __table_args__ = (sa.Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    headers: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    #: Stable across retries so a repeated delivery is recognisably the same message.
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus, "outbox_status"),
                                                 default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: A worker owns the message until then; a crashed worker's lease simply expires.
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("correction_request.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    request: Mapped[CorrectionRequest | None] = relationship()


class EditorSession(db.Model):
    """A signed-in session, known to the server: signing out deletes it, so a copy of the
    cookie stops working. Only a hash of the cookie's token is kept."""
    __tablename__ = "editor_session"
    __table_args__ = {"info": {"leave_out_of_export": "sign-in sessions belong to the server "
                                                      "they were made on; editors sign in again"}}

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    editor_id: Mapped[int] = mapped_column(sa.ForeignKey("editor.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BlockKind(enum.StrEnum):
    CLIENT = "client"    # the keyed hash of a client's address (IPv4, or IPv6 /64)
    EMAIL = "email"
    DOMAIN = "domain"    # an email domain and its subdomains
    PHRASE = "phrase"    # a word or phrase in what the reader wrote


class BlockEntry(db.Model):
    """Suggestions matching an entry are refused at intake, silently; `hits` counts them."""
    __tablename__ = "block_entry"
    __table_args__ = (sa.UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[BlockKind] = mapped_column(str_enum(BlockKind, "block_kind"))
    #: Normalised: a client hash, an address, a domain (ASCII form), or a case-folded phrase.
    value: Mapped[str] = mapped_column(sa.String(254))
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    hits: Mapped[int] = mapped_column(default=0)
    last_hit_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("editor.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[Editor | None] = relationship()


class RefusalCount(db.Model):
    """Suggestions refused by the spam guards, per site, day and reason: nothing is dropped
    without a count."""
    __tablename__ = "refusal_count"

    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    refusals: Mapped[int] = mapped_column(default=0)


class QueueCount(db.Model):
    """How many correction requests a site has in each state, for the queue's counts.

    Kept by database triggers (migration 0002), so counting stays O(1) at a million rows and
    every writer, ORM or plain SQL, keeps it right. On SQLite a batch migration that rebuilds
    correction_request drops those triggers: such a migration must create them again
    (see 0002_dashboard.create_triggers).
    """
    __tablename__ = "queue_count"
    __table_args__ = {"info": {"leave_out_of_export": "counts kept by triggers; an import "
                                                      "rebuilds them as it writes the requests"}}

    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), primary_key=True)
    state: Mapped[State] = mapped_column(str_enum(State, "queue_count_state"), primary_key=True)
    request_count: Mapped[int] = mapped_column(default=0)


# The queue's keyset pages: one index per way of narrowing it, each ending in the sort keys,
# so a page is an index range scan of PAGE_SIZE rows however long the queue (migration 0002).
sa.Index("ix_queue_state", CorrectionRequest.state, CorrectionRequest.id)
sa.Index("ix_queue_state_reports", CorrectionRequest.state, CorrectionRequest.submission_count,
         CorrectionRequest.id)
sa.Index("ix_queue_site", CorrectionRequest.site_id, CorrectionRequest.state, CorrectionRequest.id)
sa.Index("ix_queue_site_reports", CorrectionRequest.site_id, CorrectionRequest.state,
         CorrectionRequest.submission_count, CorrectionRequest.id)
sa.Index("ix_queue_kind", CorrectionRequest.kind, CorrectionRequest.state, CorrectionRequest.id)
sa.Index("ix_queue_assignee", CorrectionRequest.assignee_id, CorrectionRequest.state,
         CorrectionRequest.id)

# Text search (migration 0004). PostgreSQL: trigram GIN indexes that serve ILIKE '%term%'.
# SQLite: FTS5 trigram tables over the same columns instead, kept by triggers; they are not
# models, so the migration environment leaves them out of its comparison (SQLITE_SEARCH_TABLES).
for _name, _column in (("ix_request_passage_trgm", CorrectionRequest.quote_exact),
                       ("ix_request_proposed_trgm", CorrectionRequest.proposed),
                       ("ix_submission_comment_trgm", Submission.comment)):
    sa.Index(_name, _column, postgresql_using="gin", postgresql_ops={_column.key: "gin_trgm_ops"},
             info={"dialect": "postgresql"}).ddl_if(dialect="postgresql")
SQLITE_SEARCH_TABLES = ("request_search", "submission_search")
