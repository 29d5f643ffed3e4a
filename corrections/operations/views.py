"""The health check that load balancers and monitors ask."""
from flask import Blueprint
from sqlalchemy.exc import SQLAlchemyError

from ..errors import forget_failed_transaction, unavailable_headers
from . import status

bp = Blueprint("operations", __name__)


@bp.get("/healthz")
def healthz():
    """200 while the database answers (503 otherwise), with the mail worker's heartbeat:
    a silent worker makes the status "degraded" without taking the web server out of service."""
    try:
        worker = status.health()
    except SQLAlchemyError:
        forget_failed_transaction()
        return {"status": "unavailable", "database": "unreachable"}, 503, unavailable_headers()
    return {"status": "ok" if worker.ok else "degraded", "database": "ok",
            "mail_worker": worker.state,
            "mail_worker_seen_at": worker.last_seen and worker.last_seen.isoformat() + "Z"}
