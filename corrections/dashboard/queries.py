"""The queue as editors read it: filters, per-database search, keyset pages, counts, and one
request with what the page shows of it. (Actions: workflow.actions; CSV: export.py.)"""
from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    CorrectionRequest,
    Editor,
    Event,
    Kind,
    QueueCount,
    State,
    Submission,
)
from ..problem import Problem
from ..text import is_number

PAGE_SIZE = 50
#: Counts that need a scan (filters beyond site) stop here and show as "1000+".
COUNT_CAP = 1000

#: Tabs in the order a request moves through them.
OPEN_ORDER = (State.NEW, State.IN_REVIEW, State.ACCEPTED)
STATE_ORDER = (*OPEN_ORDER, State.PUBLISHED, State.REJECTED, State.SPAM, State.DUPLICATE)
class BadFilter(Problem):
    """A queue URL whose filters or page link cannot be understood."""
    status = 400


class Sort(enum.StrEnum):
    NEWEST = "newest"
    REPORTS = "reports"


SORT_LABELS = {Sort.NEWEST: _l("Newest first"), Sort.REPORTS: _l("Most reported first")}


# --- filters ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """What the editor asked to see. `state` is "open", "all" or a State value."""
    state: str = "open"
    site_id: int | None = None
    kind: Kind | None = None
    article_id: int | None = None
    assignee: str = ""  # "", "me", "none" or an editor's id
    q: str = ""
    sort: Sort = Sort.NEWEST

    @property
    def states(self) -> tuple[State, ...]:
        if self.state == "open":
            return OPEN_ORDER
        if self.state == "all":
            return STATE_ORDER
        return (State(self.state),)

    @property
    def narrowed_beyond_site(self) -> bool:
        return bool(self.kind or self.article_id or self.assignee or self.q)

    def args(self, **changes) -> dict[str, str]:
        """Query arguments for a link to this view (changed by URL name), defaults left out."""
        values = {"state": self.state, "site": self.site_id, "kind": self.kind,
                  "article": self.article_id, "assignee": self.assignee, "q": self.q,
                  "sort": self.sort} | changes
        defaults = {"state": "open", "sort": Sort.NEWEST}
        return {k: str(v) for k, v in values.items() if v not in (None, "") and defaults.get(k) != v}


def _int_arg(args: Mapping[str, str], name: str, label: str) -> int | None:
    value = args.get(name, "").strip()
    if not value:
        return None
    if not is_number(value):
        raise BadFilter(_("The %(label)s in this address is not a valid number.", label=label))
    return int(value)


def parse_filters(args: Mapping[str, str]) -> Filters:
    state = args.get("state", "").strip() or "open"
    if state not in ("open", "all") and state not in {s.value for s in State}:
        raise BadFilter(_("There is no such state to filter by."))
    kind = args.get("kind", "").strip()
    if kind and kind not in {k.value for k in Kind}:
        raise BadFilter(_("There is no such kind to filter by."))
    assignee = args.get("assignee", "").strip()
    if assignee not in ("", "me", "none") and not is_number(assignee):
        raise BadFilter(_("The assignee filter must be “me”, “none” or an editor."))
    sort = args.get("sort", "").strip() or Sort.NEWEST.value
    if sort not in {s.value for s in Sort}:
        raise BadFilter(_("The queue can be sorted by newest or by most reported."))
    q = " ".join(args.get("q", "").split())
    if len(q) > 200:
        raise BadFilter(_("Search for at most 200 characters."))
    return Filters(state=state, site_id=_int_arg(args, "site", "site"),
                   kind=Kind(kind) if kind else None,
                   article_id=_int_arg(args, "article", "article"), assignee=assignee, q=q,
                   sort=Sort(sort))


def _conditions(filters: Filters, editor: Editor) -> list:
    request = CorrectionRequest
    conditions = []
    if filters.site_id is not None:
        conditions.append(request.site_id == filters.site_id)
    if filters.kind is not None:
        conditions.append(request.kind == filters.kind)
    if filters.article_id is not None:
        conditions.append(request.article_id == filters.article_id)
    if filters.assignee == "me":
        conditions.append(request.assignee_id == editor.id)
    elif filters.assignee == "none":
        conditions.append(request.assignee_id.is_(None))
    elif filters.assignee:
        conditions.append(request.assignee_id == int(filters.assignee))
    if filters.q:
        conditions.append(_matches(filters.q))
    return conditions


#: Terms this long use the trigram indexes (migration 0004); shorter ones have no trigram.
INDEXED_SEARCH_LENGTH = 3
_request_search = sa.table("request_search", sa.column("rowid"))
_submission_search = sa.table("submission_search", sa.column("rowid"))


def _like_pattern(term: str) -> str:
    """'%term%' with the reader's %, _ and \\ matched literally, never as wildcards."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matches(term: str):
    """Requests whose passage, proposal or a report's comment contains term, ignoring case.

    Terms of 3+ characters are looked up in trigram indexes (pg_trgm on PostgreSQL, FTS5 on
    SQLite), so a search costs about the same on a queue of any size. Shorter terms have no
    trigram to look up and scan the queue instead (every state branch still stops at one page).
    """
    request = CorrectionRequest
    if len(term) < INDEXED_SEARCH_LENGTH:
        return sa.or_(request.quote_exact.icontains(term, autoescape=True),
                      request.proposed.icontains(term, autoescape=True),
                      sa.exists().where(Submission.request_id == request.id,
                                        Submission.comment.icontains(term, autoescape=True)))
    if db.session.get_bind().dialect.name == "sqlite":
        # A quoted FTS5 phrase is a substring search under the trigram tokenizer; inside the
        # quotes only a double quote is special (doubled), so nothing the reader types is syntax.
        phrase = '"' + term.replace('"', '""') + '"'
        matched = sa.union(
            sa.select(_request_search.c.rowid)
            .where(sa.literal_column("request_search").op("MATCH")(phrase)),
            sa.select(Submission.request_id)
            .join(_submission_search, _submission_search.c.rowid == Submission.id)
            .where(sa.literal_column("submission_search").op("MATCH")(phrase)))
    else:
        pattern = _like_pattern(term)
        matched = sa.union(
            sa.select(request.id).where(request.quote_exact.ilike(pattern, escape="\\")),
            sa.select(request.id).where(request.proposed.ilike(pattern, escape="\\")),
            sa.select(Submission.request_id).where(Submission.comment.ilike(pattern, escape="\\")))
    # One CTE, so a statement with a branch per state looks the term up once, not per branch.
    return request.id.in_(sa.select(matched.cte("search_match").c[0]))


# --- keyset pages ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Cursor:
    """A position in the queue: the sort keys of a row (reports only when sorting by them)."""
    id: int
    reports: int | None = None

    def token(self) -> str:
        return str(self.id) if self.reports is None else f"{self.reports}.{self.id}"

    @classmethod
    def of(cls, request: CorrectionRequest, sort: Sort) -> Cursor:
        return cls(request.id, request.submission_count if sort is Sort.REPORTS else None)

    @classmethod
    def parse(cls, token: str, sort: Sort) -> Cursor:
        parts = token.split(".")
        expected = 2 if sort is Sort.REPORTS else 1
        if len(parts) != expected or not all(is_number(p) for p in parts):
            raise BadFilter(_("This page link is not valid. Go back to the first page."))
        numbers = [int(p) for p in parts]
        return cls(numbers[-1], numbers[0] if sort is Sort.REPORTS else None)


@dataclass
class Page:
    items: list[CorrectionRequest]
    next: Cursor | None = None
    previous: Cursor | None = None


def _sort_columns(sort: Sort) -> list:
    if sort is Sort.REPORTS:
        return [CorrectionRequest.submission_count, CorrectionRequest.id]
    return [CorrectionRequest.id]


def page_ids(filters: Filters, editor: Editor, cursor: Cursor | None, backwards: bool,
              limit: int) -> list[int]:
    """Ids of one page, in queue order (reversed when going backwards).

    Each state is its own index range scan (state leads every queue index), limited to one
    page; several states are merged afterwards. So the cost is a few pages of index entries
    however many requests there are, and however deep the page.
    """
    columns = _sort_columns(filters.sort)
    conditions = _conditions(filters, editor)
    if cursor is not None:
        values = [cursor.reports, cursor.id] if filters.sort is Sort.REPORTS else [cursor.id]
        keys, bound = sa.tuple_(*columns), sa.tuple_(*[sa.literal(v) for v in values])
        if len(columns) == 1:
            keys, bound = columns[0], values[0]
        conditions.append(keys > bound if backwards else keys < bound)

    def ordered(cols):
        return [c.asc() if backwards else c.desc() for c in cols]

    branches = [sa.select(*columns).where(CorrectionRequest.state == state, *conditions)
                .order_by(*ordered(columns)).limit(limit) for state in filters.states]
    if len(branches) == 1:
        statement = branches[0]
    else:
        merged = sa.union_all(*(sa.select(b.subquery()) for b in branches)).subquery()
        merged_columns = [merged.c[c.key] for c in columns]
        statement = sa.select(*merged_columns).order_by(*ordered(merged_columns)).limit(limit)
    return [row.id for row in db.session.execute(statement)]


def load(ids: list[int]) -> list[CorrectionRequest]:
    if not ids:
        return []
    found = db.session.scalars(
        sa.select(CorrectionRequest).where(CorrectionRequest.id.in_(ids))
        .options(joinedload(CorrectionRequest.site), joinedload(CorrectionRequest.article),
                 joinedload(CorrectionRequest.assignee))).unique()
    by_id = {request.id: request for request in found}
    return [by_id[i] for i in ids if i in by_id]


def queue_page(filters: Filters, editor: Editor, *, after: str = "", before: str = "") -> Page:
    """One page of the queue: PAGE_SIZE requests after (or before) a cursor."""
    backwards = bool(before)
    cursor = Cursor.parse(before or after, filters.sort) if (before or after) else None
    ids = page_ids(filters, editor, cursor, backwards, PAGE_SIZE + 1)
    more = len(ids) > PAGE_SIZE
    ids = ids[:PAGE_SIZE]
    if backwards:
        ids.reverse()
    items = load(ids)
    page = Page(items)
    if items:
        first, last = Cursor.of(items[0], filters.sort), Cursor.of(items[-1], filters.sort)
        page.next = last if (more or backwards) else None
        page.previous = first if (more if backwards else cursor is not None) else None
    return page


# --- counts ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Count:
    value: int
    capped: bool = False

    def __str__(self) -> str:
        return f"{self.value:,}+" if self.capped else f"{self.value:,}"

    def __add__(self, other: Count) -> Count:
        return Count(self.value + other.value, self.capped or other.capped)


def state_counts(filters: Filters, editor: Editor) -> dict[str, Count]:
    """Requests per state under the current filters (the state filter aside), plus "open" and "all".

    Site-wide counts come from queue_count, kept by triggers; narrower filters count at most
    COUNT_CAP rows per state, so the page stays fast on a huge queue.
    """
    if not filters.narrowed_beyond_site:
        statement = (sa.select(QueueCount.state, sa.func.sum(QueueCount.request_count))
                     .group_by(QueueCount.state))
        if filters.site_id is not None:
            statement = statement.where(QueueCount.site_id == filters.site_id)
        found = {state: int(n or 0) for state, n in db.session.execute(statement)}
        counts = {state.value: Count(found.get(state, 0)) for state in STATE_ORDER}
    else:
        conditions = _conditions(filters, editor)
        columns = [
            sa.select(sa.func.count()).select_from(
                sa.select(CorrectionRequest.id)
                .where(CorrectionRequest.state == state, *conditions)
                .limit(COUNT_CAP + 1).subquery()).scalar_subquery().label(state.value)
            for state in STATE_ORDER]
        row = db.session.execute(sa.select(*columns)).one()
        counts = {state.value: Count(min(n, COUNT_CAP), n > COUNT_CAP)
                  for state, n in zip(STATE_ORDER, row, strict=True)}
    counts["open"] = sum((counts[s.value] for s in OPEN_ORDER), Count(0))
    counts["all"] = sum((counts[s.value] for s in STATE_ORDER), Count(0))
    return counts


# --- choices for the filter form ---------------------------------------------------------------

def get_request(request_id: int) -> CorrectionRequest | None:
    return db.session.scalars(
        sa.select(CorrectionRequest).where(CorrectionRequest.id == request_id)
        .options(joinedload(CorrectionRequest.site), joinedload(CorrectionRequest.article),
                 joinedload(CorrectionRequest.assignee),
                 selectinload(CorrectionRequest.submissions),
                 selectinload(CorrectionRequest.events).joinedload(Event.editor))
        .execution_options(populate_existing=True)).first()



