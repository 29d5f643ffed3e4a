"""The queue as CSV: every request under the filters, in bounded memory, safe to open in a
spreadsheet."""
import csv
import io
from collections.abc import Iterator

from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import CorrectionRequest, Editor
from .queries import Cursor, Filters, load, page_ids

#: Rows fetched per query while exporting, so an export of any size runs in bounded memory.
EXPORT_BATCH = 1000

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
        ids = page_ids(filters, editor, cursor, False, EXPORT_BATCH)
        for item in load(ids):
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
