"""Spam guards the newsroom controls: the block list, links in comments, refusal counts.

A suggestion refused by a guard that a bot could learn from (the honeypot, sending too fast,
the block list) gets a normal-looking answer and is not stored, but it is always counted, per
site, day and reason, for admins to see.
"""
from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from .. import addresses, clients
from ..extensions import db
from ..models import (
    BlockEntry,
    BlockKind,
    Editor,
    RefusalCount,
    Site,
    Submission,
    utcnow,
)
from ..problem import Problem
from ..text import unstorable

if TYPE_CHECKING:
    from .rules import Suggestion

HONEYPOT, TOO_FAST, BLOCKED = "honeypot", "too_fast", "blocked"
REASON_LABELS = {HONEYPOT: _l("Honeypot field filled in"), TOO_FAST: _l("Sent too fast after opening"),
                 BLOCKED: _l("On the block list")}
KIND_LABELS = {BlockKind.CLIENT: _l("Network (IP address)"), BlockKind.EMAIL: _l("Email address"),
               BlockKind.DOMAIN: _l("Email domain"), BlockKind.PHRASE: _l("Word or phrase")}
#: A phrase entry's length limit, in characters.
PHRASE_LIMIT = 200
#: Days of refusal counts shown to admins.
SUMMARY_DAYS = 30

_HEX_HASH = re.compile(r"[0-9a-f]{64}")



def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


# --- at intake ----------------------------------------------------------------------------

def _domains(address: str) -> list[str]:
    """The address's domain and every parent domain: "a.b.example.org" → also "b.example.org",
    "example.org" (a top-level domain alone is never blocked)."""
    labels = addresses.domain_of(address).split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def _exact_matches(suggestion: Suggestion, client_hash: str) -> list:
    exact = [sa.and_(BlockEntry.kind == BlockKind.CLIENT, BlockEntry.value == client_hash)]
    if suggestion.email:
        exact.append(sa.and_(BlockEntry.kind == BlockKind.EMAIL, BlockEntry.value == suggestion.email))
        exact.append(sa.and_(BlockEntry.kind == BlockKind.DOMAIN,
                             BlockEntry.value.in_(_domains(suggestion.email))))
    return exact


def _written(suggestion: Suggestion) -> str:
    return _folded(" ".join((suggestion.title, suggestion.proposed, suggestion.comment,
                             suggestion.name)))


def possible_block(dialect: str, domains: int | None) -> sa.ScalarSelect:
    """A column for a statement the intake makes anyway: the id of an entry that may block
    the suggestion, else NULL; its values come from `block_parameters`, for an address with
    `domains` domains (`block_shape`; None: no address). A phrase counts when it occurs anywhere
    in the text, so this can say "maybe" where `blocking_entry` (word boundaries) says no,
    never the reverse."""
    bind = sa.bindparam
    exact = [sa.and_(BlockEntry.kind == BlockKind.CLIENT, BlockEntry.value == bind("block_client"))]
    if domains is not None:
        # One parameter per domain, not an "expanding" IN: the statement is compiled once per
        # shape and run on the driver's connection (intake.submit).
        exact.append(sa.and_(BlockEntry.kind == BlockKind.EMAIL, BlockEntry.value == bind("block_email")))
        exact.append(sa.and_(BlockEntry.kind == BlockKind.DOMAIN,
                             BlockEntry.value.in_([bind(f"block_domain_{i}")
                                                   for i in range(domains)])))
    # instr/strpos, not LIKE: a phrase is text, never a pattern.
    find = sa.func.strpos if dialect == "postgresql" else sa.func.instr
    phrase = sa.and_(BlockEntry.kind == BlockKind.PHRASE,
                     find(bind("block_text", type_=sa.Text), BlockEntry.value) > 0)
    return sa.select(sa.func.min(BlockEntry.id)).where(sa.or_(*exact, phrase)).scalar_subquery()


def block_shape(suggestion: Suggestion) -> int | None:
    """How many domains `possible_block` checks for this suggestion's address (None: no address)."""
    return len(_domains(suggestion.email)) if suggestion.email else None


def block_parameters(suggestion: Suggestion, client_hash: str) -> dict:
    parameters = {"block_client": client_hash, "block_text": _written(suggestion)}
    if suggestion.email:
        parameters["block_email"] = suggestion.email
        parameters |= {f"block_domain_{i}": domain
                       for i, domain in enumerate(_domains(suggestion.email))}
    return parameters


def blocking_entry(suggestion: Suggestion, client_hash: str) -> BlockEntry | None:
    """The block-list entry the suggestion matches, if any: its client, address, address's
    domain, or a word or phrase in what the reader wrote."""
    entries = db.session.scalars(sa.select(BlockEntry).where(
        sa.or_(*_exact_matches(suggestion, client_hash), BlockEntry.kind == BlockKind.PHRASE))
        .order_by(BlockEntry.id)).all()
    written = _written(suggestion)
    for entry in entries:
        if entry.kind is not BlockKind.PHRASE or re.search(
                rf"(?<!\w){re.escape(entry.value)}(?!\w)", written):
            return entry
    return None


def count_refusal(site: Site, reason: str, entry: BlockEntry | None = None) -> None:
    """Count one refused suggestion (and the entry that blocked it), and commit."""
    now = utcnow()
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(RefusalCount).values(site_id=site.id, day=now.date(), reason=reason,
                                            refusals=1)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["site_id", "day", "reason"],
        set_={"refusals": RefusalCount.refusals + 1}))
    if entry is not None:
        db.session.execute(sa.update(BlockEntry).where(BlockEntry.id == entry.id)
                           .values(hits=BlockEntry.hits + 1, last_hit_at=now),
                           execution_options={"synchronize_session": False})
    db.session.commit()


# --- for admins ---------------------------------------------------------------------------

class BlockError(Problem):
    """A block-list entry that cannot be added; the message says why, about one field."""

    def __init__(self, message: str, field: str = "value"):
        super().__init__(message, {field: message})


def normalise_entry(kind: str, value: str) -> tuple[BlockKind, str]:
    """The entry as stored and matched; raises BlockError with a message for the admin."""
    try:
        kind = BlockKind(kind)
    except ValueError:
        raise BlockError(_("Choose what to block."), "kind") from None
    problem = unstorable(value)
    if problem:
        raise BlockError(problem)
    value = value.strip()
    if not value:
        raise BlockError(_("Say what to block."))
    if kind is BlockKind.CLIENT:
        if _HEX_HASH.fullmatch(value.lower()):
            return kind, value.lower()
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise BlockError(_("Give an IP address (IPv4, or any IPv6 address of the /64 "
                               "network to block).")) from None
        return kind, clients.client_hash(value)
    if kind is BlockKind.EMAIL:
        try:
            return kind, addresses.normalise(value)
        except addresses.AddressError as error:
            raise BlockError(str(error)) from None
    if kind is BlockKind.DOMAIN:
        domain = addresses.normalise_or_none(f"x@{value.removeprefix('@')}")
        if domain is None:
            raise BlockError(_("Give a domain, like example.org."))
        return kind, addresses.domain_of(domain)
    phrase = _folded(value)
    if len(phrase) > PHRASE_LIMIT:
        raise BlockError(ngettext("Keep a phrase to %(num)d "
                                  "character or fewer.", "Keep a phrase to %(num)d "
                                                         "characters or fewer.", PHRASE_LIMIT))
    return kind, phrase


def entry(entry_id: int) -> BlockEntry | None:
    return db.session.get(BlockEntry, entry_id)


def entries() -> list[BlockEntry]:
    return list(db.session.scalars(sa.select(BlockEntry).order_by(BlockEntry.kind, BlockEntry.value)))


def _add(kind: BlockKind, value: str, note: str, by: Editor | None) -> BlockEntry | None:
    """Add an entry to the session unless it is there already (then None)."""
    if db.session.scalar(sa.select(BlockEntry.id).where(BlockEntry.kind == kind,
                                                        BlockEntry.value == value)) is not None:
        return None
    entry = BlockEntry(kind=kind, value=value, note=note[:200], created_by=by)
    db.session.add(entry)
    return entry


def add_entry(kind: str, value: str, note: str, *, by: Editor) -> BlockEntry:
    """Add an entry to the block list, and commit."""
    kind, value = normalise_entry(kind, value)
    problem = unstorable(note)
    if problem:
        raise BlockError(problem, "note")
    if len(note) > 200:
        raise BlockError(_("Keep the note to 200 characters or fewer."), "note")
    entry = _add(kind, value, " ".join(note.split()), by)
    if entry is None:
        raise BlockError(_("This is on the block list already."))
    try:
        db.session.commit()
    except IntegrityError:  # added by another admin a moment ago
        db.session.rollback()
        raise BlockError(_("This is on the block list already.")) from None
    return entry


def remove_entry(entry: BlockEntry) -> None:
    db.session.delete(entry)
    db.session.commit()


@dataclass(frozen=True)
class Senders:
    """Who sent a request's reports, as the block list names them."""
    client_hashes: list[str]
    emails: list[str]


def senders_of(request_id: int) -> Senders:
    rows = db.session.execute(sa.select(Submission.client_hash, Submission.email)
                              .where(Submission.request_id == request_id)).all()
    return Senders(client_hashes=sorted({r.client_hash for r in rows if r.client_hash}),
                   emails=sorted({r.email.lower() for r in rows if r.email}))


def block_senders(request_id: int, *, block_clients: bool, block_emails: bool, by: Editor) -> int:
    """Add the senders of a request to the block list, in the caller's transaction (marking
    it spam commits both, or neither). Returns how many entries were added."""
    senders = senders_of(request_id)
    note = f"Marked as spam: request #{request_id}"  # kept in the audit data as written
    added = 0
    for kind, values, wanted in ((BlockKind.CLIENT, senders.client_hashes, block_clients),
                                 (BlockKind.EMAIL, senders.emails, block_emails)):
        for value in values if wanted else ():
            added += _add(kind, value, note, by) is not None
    return added


@dataclass(frozen=True)
class RefusalRow:
    site: str
    reason: str
    refusals: int


def refusal_summary(today: date | None = None, days: int = SUMMARY_DAYS) -> list[RefusalRow]:
    """Refusals per site and reason over the last `days` days, most first."""
    since = (today or utcnow().date()) - timedelta(days=days - 1)
    total = sa.func.sum(RefusalCount.refusals)
    rows = db.session.execute(
        sa.select(Site.name, RefusalCount.reason, total)
        .join(Site, Site.id == RefusalCount.site_id)
        .where(RefusalCount.day >= since)
        .group_by(Site.name, RefusalCount.reason)
        .order_by(total.desc(), Site.name, RefusalCount.reason)).all()
    return [RefusalRow(site=name, reason=reason, refusals=int(count)) for name, reason, count in rows]
