"""The queue as editors work it: filters, keyset pages, counts, search, CSV export,
one request's page, and editors' actions (which all go through queue.transition)."""
from __future__ import annotations

import csv
import difflib
import enum
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from urllib.parse import quote

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.orm import joinedload, selectinload

from . import queue, spam
from .extensions import db
from .models import (
    OPEN_STATES,
    Article,
    CorrectionRequest,
    Editor,
    Event,
    Kind,
    PublicationType,
    QueueCount,
    Site,
    State,
    Submission,
    utcnow,
)
from .queue import Action, Details, MissingDetail, StaleVersion
from .text import is_number, strip_xml_invalid, unstorable

PAGE_SIZE = 50
#: Counts that need a scan (filters beyond site) stop here and show as "1000+".
COUNT_CAP = 1000
#: Rows fetched per query while exporting, so an export of any size runs in bounded memory.
EXPORT_BATCH = 1000

#: Tabs in the order a request moves through them.
OPEN_ORDER = (State.NEW, State.IN_REVIEW, State.ACCEPTED)
STATE_ORDER = (*OPEN_ORDER, State.PUBLISHED, State.REJECTED, State.SPAM, State.DUPLICATE)
STATE_LABELS = {
    State.NEW: _l("New"), State.IN_REVIEW: _l("In review"), State.ACCEPTED: _l("Accepted"),
    State.PUBLISHED: _l("Published"), State.REJECTED: _l("Rejected"), State.SPAM: _l("Spam"),
    State.DUPLICATE: _l("Duplicate"),
}
KIND_NAMES = {
    Kind.TYPO: _l("Typo"), Kind.FACTUAL: _l("Factual error"), Kind.CLARIFICATION: _l("Clarification"),
    Kind.BROKEN_LINK: _l("Broken link"), Kind.OTHER: _l("Other"),
}
PUBLICATION_LABELS = {
    PublicationType.CORRECTION: _l("Correction"), PublicationType.CLARIFICATION: _l("Clarification"),
    PublicationType.EDITORS_NOTE: _l("Editor’s note"),
}
#: Actions that can be applied to many selected rows at once.
BULK_ACTIONS = (Action.CLAIM, Action.ACCEPT, Action.REJECT, Action.SPAM)


class BadFilter(Exception):
    """A queue URL whose filters or page link cannot be understood (400)."""
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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


def _page_ids(filters: Filters, editor: Editor, cursor: Cursor | None, backwards: bool,
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


def _load(ids: list[int]) -> list[CorrectionRequest]:
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
    ids = _page_ids(filters, editor, cursor, backwards, PAGE_SIZE + 1)
    more = len(ids) > PAGE_SIZE
    ids = ids[:PAGE_SIZE]
    if backwards:
        ids.reverse()
    items = _load(ids)
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

def sites() -> list[Site]:
    return list(db.session.scalars(sa.select(Site).order_by(Site.name)))


def active_editors() -> list[Editor]:
    return list(db.session.scalars(sa.select(Editor).where(Editor.active.is_(True))
                                   .order_by(Editor.email)))


# --- CSV export ---------------------------------------------------------------------------------

#: The header row, in the editor's language (times in the rows are ISO 8601 in UTC).
CSV_COLUMNS = (_l("Request"), _l("State"), _l("Site"), _l("Article title"), _l("Article URL"),
               _l("Kind"), _l("Passage"), _l("Proposed"), _l("Reports"), _l("Assignee"),
               _l("Created (UTC)"), _l("Last report (UTC)"), _l("Publication type"),
               _l("Public note"))
# A spreadsheet treats a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_cell(value) -> str:
    """The value as CSV text that no spreadsheet will run as a formula."""
    text = "" if value is None else str(value)
    if text.lstrip(" ")[:1] in _FORMULA_START and text.strip(" "):
        return "'" + text
    return text


def _csv_line(values) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerow(
        [csv_cell(v) for v in values])
    return buffer.getvalue()


def export_csv(filters: Filters, editor: Editor) -> Iterator[str]:
    """Every request under the filters as CSV lines, in queue order, fetched in batches."""
    yield _csv_line(CSV_COLUMNS)
    cursor = None
    while True:
        ids = _page_ids(filters, editor, cursor, False, EXPORT_BATCH)
        for item in _load(ids):
            yield _csv_line([
                item.id, item.state.value, item.site.name, item.article.title, item.article.url,
                item.kind.value, item.quote_exact, item.proposed, item.submission_count,
                item.assignee.email if item.assignee else "",
                item.created_at.isoformat(timespec="seconds"),
                item.last_submission_at.isoformat(timespec="seconds"),
                item.publication_type.value if item.publication_type else "",
                item.public_note or ""])
        if len(ids) < EXPORT_BATCH:
            return
        cursor = Cursor.of(db.session.get(CorrectionRequest, ids[-1]), filters.sort)
        db.session.expunge_all()  # keep memory flat over a long export


# --- one request --------------------------------------------------------------------------------

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The change from old to new wording, word by word: ("same"|"del"|"ins", text) pieces."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("ins", "".join(b[j1:j2])))
    return pieces


def _fragment_part(text: str) -> str:
    # Text fragments reserve "-", "," and "&"; everything else is percent-encoded as usual.
    return quote(text, safe="").replace("-", "%2D")


def text_fragment_url(url: str, exact: str, prefix: str = "", suffix: str = "") -> str:
    """The article URL with #:~:text= pointing at the passage (ignored by browsers without support)."""
    exact = " ".join(exact.split())
    if not exact or not url.lower().startswith(("http://", "https://")):
        return url
    words = exact.split(" ")
    if len(exact) > 300 and len(words) > 8:
        directive = f"{_fragment_part(' '.join(words[:4]))},{_fragment_part(' '.join(words[-4:]))}"
    else:
        directive = _fragment_part(exact)
    # Context is matched on whole words: drop a word the 64-character context may have cut.
    before = prefix.split()[1:] if len(prefix) >= 64 else prefix.split()
    after = suffix.split()[:-1] if len(suffix) >= 64 else suffix.split()
    if before:
        directive = f"{_fragment_part(' '.join(before[-3:]))}-,{directive}"
    if after:
        directive = f"{directive},-{_fragment_part(' '.join(after[:3]))}"
    return f"{url.split('#', 1)[0]}#:~:text={directive}"


def safe_link(url: str) -> str | None:
    """The URL if it is http(s), else None: a stored address is never a javascript: link."""
    return url if url.lower().startswith(("http://", "https://")) else None


def get_request(request_id: int) -> CorrectionRequest | None:
    return db.session.scalars(
        sa.select(CorrectionRequest).where(CorrectionRequest.id == request_id)
        .options(joinedload(CorrectionRequest.site), joinedload(CorrectionRequest.article),
                 joinedload(CorrectionRequest.assignee),
                 selectinload(CorrectionRequest.submissions),
                 selectinload(CorrectionRequest.events).joinedload(Event.editor))
        .execution_options(populate_existing=True)).first()


def open_requests_from_same_clients(item: CorrectionRequest) -> list[CorrectionRequest]:
    """Other open requests reported from the same client (keyed IP hash) as this one."""
    hashes = sa.select(Submission.client_hash).where(Submission.request_id == item.id)
    ids = sa.select(Submission.request_id).where(Submission.client_hash.in_(hashes))
    return list(db.session.scalars(
        sa.select(CorrectionRequest)
        .where(CorrectionRequest.id.in_(ids), CorrectionRequest.id != item.id,
               CorrectionRequest.state.in_(OPEN_STATES))
        .order_by(CorrectionRequest.id)))


@dataclass(frozen=True)
class ActionInput:
    """What an editor typed or chose along with an action, as sent by the form."""
    note: str = ""
    assignee: str = ""  # an editor's id, or "" for nobody
    duplicate_of: str = ""
    publication_type: str = ""
    public_note: str = ""
    same_client: bool = False
    #: With spam: put the sender's network, or email address, on the block list.
    block_client: bool = False
    block_email: bool = False


NOTE_LIMIT, PUBLIC_NOTE_LIMIT, TITLE_LIMIT = 2000, 5000, 300


def _details(action: Action, given: ActionInput) -> Details:
    if len(given.note) > NOTE_LIMIT:
        raise MissingDetail(ngettext("Keep the note to %(num)d character or fewer.",
                                     "Keep the note to %(num)d characters or fewer.", NOTE_LIMIT))
    if len(given.public_note) > PUBLIC_NOTE_LIMIT:
        raise MissingDetail(ngettext("Keep the public note to %(num)d character or fewer.",
                                     "Keep the public note to %(num)d "
                                     "characters or fewer.", PUBLIC_NOTE_LIMIT))
    details = Details(note=given.note, public_note=given.public_note)
    if action is Action.ASSIGN and given.assignee:
        editor = (db.session.get(Editor, int(given.assignee))
                  if is_number(given.assignee) else None)
        if editor is None or not editor.active:
            raise MissingDetail(_("Choose an active editor to assign this request to."))
        details = replace(details, assignee=editor)
    if action is Action.DUPLICATE:
        number = given.duplicate_of.strip().lstrip("#")
        if not is_number(number):
            raise MissingDetail(_("Give the number of the request this one duplicates, like 123."))
        details = replace(details, duplicate_of_id=int(number))
    if action in (Action.PUBLISH, Action.AMEND) and given.publication_type:
        try:
            details = replace(details, publication_type=PublicationType(given.publication_type))
        except ValueError:
            raise MissingDetail(_("Choose correction, clarification or editor’s note.")) from None
    return details


def act(item: CorrectionRequest, action: Action, *, editor: Editor, version: int,
        given: ActionInput) -> list[Event]:
    """Apply an editor's action to one request (and, for spam, optionally to its sender's
    others, and the block list), in one transaction."""
    details = _details(action, given)
    if action is Action.SPAM and given.same_client:
        others = open_requests_from_same_clients(item)
        events = queue.transition_all([(item, version)] + [(o, o.version) for o in others],
                                      action, editor=editor, details=details, commit=False)
    else:
        events = [queue.transition(item, action, editor=editor, version=version,
                                   details=details, commit=False)]
    if action is Action.SPAM and (given.block_client or given.block_email):
        spam.block_senders(item.id, block_clients=given.block_client,
                           block_emails=given.block_email, by=editor)
    db.session.commit()
    return events


def retitle(item: CorrectionRequest, title: str, *, shown: str, editor: Editor) -> Event | None:
    """Give the request's article the title `title`, if it still has the title the editor
    saw (`shown`); audited on this request. None when the title is unchanged."""
    problem = unstorable(title)
    if problem:
        raise MissingDetail(problem)
    new = " ".join(strip_xml_invalid(unicodedata.normalize("NFC", title)).split())
    if not new:
        raise MissingDetail(_("Give the article a title."))
    if len(new) > TITLE_LIMIT:
        raise MissingDetail(ngettext("Keep the title to %(num)d character or fewer.",
                                     "Keep the title to %(num)d characters or fewer.", TITLE_LIMIT))
    old = item.article.title
    if new == old:
        return None
    # Compare-and-set, as for actions: of two editors renaming at once, the second is told.
    changed = db.session.execute(
        sa.update(Article).where(Article.id == item.article_id, Article.title == shown)
        .values(title=new), execution_options={"synchronize_session": False}).rowcount
    if changed != 1:
        db.session.rollback()
        raise StaleVersion(_("Someone else changed this title while you were looking at it. Here "
                             "is what it is now."))
    queue.bump_public_version(item.site_id)  # the public record shows the title
    event = Event(request=item, editor=editor, action="retitle", from_state=item.state,
                  to_state=item.state, note=f"Title changed from “{old}” to “{new}”.",
                  created_at=utcnow())
    db.session.add(event)
    db.session.commit()
    return event


def parse_selection(values: list[str]) -> list[tuple[int, int]]:
    """Selected rows as (id, version) pairs from "id:version" checkbox values."""
    selection = []
    for value in values:
        number, _colon, version = value.partition(":")
        if not (is_number(number) and is_number(version)):
            raise MissingDetail(_("The selection could not be understood. Reload the "
                                  "page and try again."))
        selection.append((int(number), int(version)))
    return selection


def act_on_many(selection: list[tuple[int, int]], action: Action, *, editor: Editor,
                given: ActionInput) -> list[Event]:
    """Apply one action to every selected request, or to none of them."""
    if action not in BULK_ACTIONS:
        raise MissingDetail(_("Choose claim, accept, reject or spam for the selected requests."))
    if not selection:
        raise MissingDetail(_("Select at least one request first."))
    details = _details(action, given)
    found = {r.id: r for r in db.session.scalars(
        sa.select(CorrectionRequest).where(CorrectionRequest.id.in_([i for i, _version in selection])))}
    missing = [f"#{i}" for i, _version in selection if i not in found]
    if missing:
        raise MissingDetail(_("There is no request %(value)s.", value=', '.join(missing)))
    return queue.transition_all([(found[i], version) for i, version in selection], action,
                                editor=editor, details=details)
