"""Forms behind email links and the outbox page: each is a button, so they carry only CSRF."""
from flask_wtf import FlaskForm


class ButtonForm(FlaskForm):
    """A form whose only field is its CSRF token."""
