"""Where webhooks listen: to the workflow (a change queues deliveries in its transaction) and
to the mail worker (each round, after the email, due deliveries are sent)."""
from ..mail import worker
from ..operations import status
from ..workflow import transitions
from . import delivery, service


def _queue_deliveries(request, event) -> None:
    service.queue_for(event)  # in the transaction of the change, like the outbox's emails


def _deliver_due(stop) -> str | None:
    report = delivery.deliver_due(stop=stop, heartbeat=status.record_mail_worker)
    return f"Webhooks: {report}." if report.delivered or report.retrying or report.failed else None


def init_app(app) -> None:
    transitions.request_changed.connect(_queue_deliveries)
    worker.add_step(app, _deliver_due, after_delivery=True)
