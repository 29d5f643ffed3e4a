"""Messages that could not be delivered, as admins see them on the outbox page: counts,
the failed list, why nothing moves, and sending again."""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import OutboxMessage, OutboxStatus, utcnow


def retry_now(message_ids: list[int] | None = None) -> int:
    """Put failed messages back in the queue for immediate delivery; all of them without ids."""
    query = (sa.update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
             .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=utcnow(),
                     lease_until=None))
    if message_ids is not None:
        query = query.where(OutboxMessage.id.in_(message_ids))
    count = db.session.execute(query, execution_options={"synchronize_session": False}).rowcount
    db.session.commit()
    return count


def waiting_problem() -> str | None:
    """Why messages are still waiting, if the latest try said: a server that cannot be used
    holds every message back without failing it, so admins must hear of it here."""
    return db.session.scalar(sa.select(OutboxMessage.last_error)
                             .where(OutboxMessage.status == OutboxStatus.PENDING,
                                    OutboxMessage.last_error.is_not(None))
                             .order_by(OutboxMessage.next_attempt_at.desc()).limit(1))


def status_counts() -> dict[OutboxStatus, int]:
    counts = dict(db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                                     .group_by(OutboxMessage.status)).all())
    return {status: counts.get(status, 0) for status in OutboxStatus}


def failed_messages(limit: int) -> list[OutboxMessage]:
    """The newest failed messages, at most `limit`."""
    return list(db.session.scalars(sa.select(OutboxMessage)
                                   .where(OutboxMessage.status == OutboxStatus.FAILED)
                                   .order_by(OutboxMessage.id.desc()).limit(limit)))


def exists(message_id: int) -> bool:
    return db.session.get(OutboxMessage, message_id) is not None
