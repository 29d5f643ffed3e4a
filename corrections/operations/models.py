"""What running processes tell each other through the database."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class ProcessStatus(db.Model):
    """A web process or mail worker, as it last recorded itself (its heartbeat).

    Web processes write at most once per PROCESS_STATUS_SECONDS, never once per request; the
    mail worker writes on every poll. Runtime state of this installation only: left out of
    `export` (info["export"]).
    """
    __tablename__ = "process_status"
    __table_args__ = (sa.UniqueConstraint("role", "host", "pid"),
                      {"info": {"leave_out_of_export": "heartbeats of this installation's processes"}})

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "web" or "mail-worker".
    role: Mapped[str] = mapped_column(sa.String(20))
    host: Mapped[str] = mapped_column(sa.String(255))
    pid: Mapped[int]
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime] = mapped_column(index=True)
    #: The scheme of the rate-limit storage this process counts in ("memory", "redis", …).
    limiter_storage: Mapped[str] = mapped_column(sa.String(20), default="")
    #: When this process first saw X-Forwarded-For while PROXY_FIX_X_FOR was 0.
    forwarded_for_seen_at: Mapped[datetime | None]
