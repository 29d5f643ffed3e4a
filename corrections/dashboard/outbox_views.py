"""/dashboard/outbox: admins see messages that could not be delivered and send them again."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..mail import failures
from ..notifications.forms import ButtonForm
from ..operations import status
from .blueprint import admin_required, bp

#: Failed messages listed on the page, newest first.
PAGE_SIZE = 200


@bp.get("/outbox")
@admin_required
def outbox():
    return render_template("outbox/index.html", failed=failures.failed_messages(PAGE_SIZE),
                           counts=failures.status_counts(),
                           waiting_problem=failures.waiting_problem(), form=ButtonForm(),
                           worker=status.mail_worker_state(), page_size=PAGE_SIZE)


@bp.post("/outbox/<int:message_id>/retry")
@admin_required
def retry_message(message_id: int):
    if not failures.exists(message_id):
        abort(404)
    if failures.retry_now([message_id]):
        flash(_("Message #%(message_id)s will be sent again on the "
                "worker's next round.", message_id=message_id))
    else:
        flash(_("Message #%(message_id)s is not failed (any more); "
                "nothing to retry.", message_id=message_id))
    return redirect(url_for(".outbox"), 303)


@bp.post("/outbox/retry-all")
@admin_required
def retry_all_messages():
    count = failures.retry_now()
    flash(ngettext("%(num)d failed message will be sent again on the worker's next round.",
                   "%(num)d failed messages will be sent again on the worker's next round.", count))
    return redirect(url_for(".outbox"), 303)
