"""Who is told what, and when: every message goes through the outbox."""
from . import outbox
from .models import CorrectionRequest, NotifyMode, Submission, utcnow


def new_request(request: CorrectionRequest, submission: Submission) -> None:
    """Tell the site's editors about a new queue item (digest sites hear later, in bulk)."""
    site = request.site
    if site.notify_mode is not NotifyMode.IMMEDIATE or not site.notify_emails:
        return
    title = request.article.title or request.article.url
    for address in site.notify_emails:
        outbox.enqueue(
            kind="editor_new_request", recipient=address, request=request,
            subject=f"[{site.name}] {request.kind.value.replace('_', ' ')}: {title}",
            template="new_request", context={"request": request, "submission": submission})
    request.notified_at = utcnow()


def request_changed(request: CorrectionRequest, event) -> None:
    """Tell consenting readers the outcome when a request is published or rejected."""
    from .models import State
    if event.to_state not in (State.PUBLISHED, State.REJECTED) or event.from_state == event.to_state:
        return
    told: set[str] = set()
    for submission in request.submissions:
        if not (submission.notify and submission.email) or submission.email.lower() in told:
            continue
        told.add(submission.email.lower())
        outbox.enqueue(
            kind="reader_outcome", recipient=submission.email, request=request,
            subject=f"Your suggestion to {request.site.name}",
            template="reader_outcome",
            context={"request": request, "submission": submission, "event": event})
