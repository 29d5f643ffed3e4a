"""Dashboard pages. (Scaffold: the queue and its actions are being built.)"""
from flask import abort
from flask_login import login_required

from ..extensions import db
from ..models import CorrectionRequest
from . import bp


@bp.get("/requests/<int:request_id>")
@login_required
def request_detail(request_id: int):
    request = db.session.get(CorrectionRequest, request_id) or abort(404)
    return {"id": request.id, "state": request.state.value}
