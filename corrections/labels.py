"""What pages and emails call things, in one place: states, kinds, publication types,
actions and audit events, roles. (Language names and lists: languages.py.)"""
from flask_babel import lazy_gettext as _l

from .models import Kind, PublicationType, Role, State
from .workflow.transitions import Action

STATE_LABELS = {
    State.NEW: _l("New"), State.IN_REVIEW: _l("In review"), State.ACCEPTED: _l("Accepted"),
    State.PUBLISHED: _l("Published"), State.REJECTED: _l("Rejected"), State.SPAM: _l("Spam"),
    State.DUPLICATE: _l("Duplicate"),
}
#: As the reader chose it in the form, and as editors see it.
KIND_LABELS = {
    Kind.TYPO: _l("Typo or spelling"),
    Kind.FACTUAL: _l("Factual error"),
    Kind.CLARIFICATION: _l("Needs clarification"),
    Kind.BROKEN_LINK: _l("Broken link"),
    Kind.OTHER: _l("Something else"),
}
PUBLICATION_LABELS = {
    PublicationType.CORRECTION: _l("Correction"), PublicationType.CLARIFICATION: _l("Clarification"),
    PublicationType.EDITORS_NOTE: _l("Editor’s note"),
}
ACTION_LABELS = {
    Action.CLAIM: _l("Claim"), Action.ASSIGN: _l("Assign"), Action.ACCEPT: _l("Accept"),
    Action.REJECT: _l("Reject"), Action.SPAM: _l("Mark as spam"), Action.DUPLICATE: _l("Mark as duplicate"),
    Action.PUBLISH: _l("Publish"), Action.AMEND: _l("Amend the public note"),
    Action.WITHDRAW: _l("Withdraw the correction"), Action.REOPEN: _l("Reopen"),
}
#: What the audit trail calls each kind of event.
EVENT_LABELS = {"created": _l("Reported"), "reported_again": _l("Reported again"),
                "retitle": _l("Changed the title"),
                **{action.value: label for action, label in ACTION_LABELS.items()}}
ROLE_LABELS = {Role.EDITOR: _l("Editor"), Role.ADMIN: _l("Admin")}
