"""/dashboard/outbox: admins see messages that could not be delivered and send them again."""
import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..extensions import db
from ..mail import delivery
from ..models import OutboxMessage, OutboxStatus
from ..notifications.forms import ButtonForm
from ..operations import status

bp = Blueprint("outbox", __name__, url_prefix="/dashboard/outbox")
#: Failed messages listed on the page, newest first.
PAGE_SIZE = 200


@bp.before_request
@login_required
def admins_only():
    if not current_user.is_admin:
        abort(403)


@bp.get("")
def index():
    failed = db.session.scalars(sa.select(OutboxMessage)
                                .where(OutboxMessage.status == OutboxStatus.FAILED)
                                .order_by(OutboxMessage.id.desc()).limit(PAGE_SIZE)).all()
    return render_template("outbox/index.html", failed=failed, counts=delivery.status_counts(),
                           waiting_problem=delivery.waiting_problem(), form=ButtonForm(),
                           worker=status.mail_worker_state(),
                           page_size=PAGE_SIZE)


@bp.post("/<int:message_id>/retry")
def retry(message_id: int):
    db.get_or_404(OutboxMessage, message_id)
    if delivery.retry_now([message_id]):
        flash(_("Message #%(message_id)s will be sent again on the "
                "worker's next round.", message_id=message_id))
    else:
        flash(_("Message #%(message_id)s is not failed (any more); "
                "nothing to retry.", message_id=message_id))
    return redirect(url_for(".index"), 303)


@bp.post("/retry-all")
def retry_all():
    count = delivery.retry_now()
    flash(ngettext("%(num)d failed message will be sent again on the worker's next round.",
                   "%(num)d failed messages will be sent again on the worker's next round.", count))
    return redirect(url_for(".index"), 303)
