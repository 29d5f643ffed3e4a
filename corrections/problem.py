"""The one shape of a refusal: what the app will not do, said so a person understands."""


class Problem(Exception):
    """A request the app refuses. `message` is for a person, `status` the HTTP answer, and
    `fields` says which inputs are wrong and why. Features subclass it to be caught apart."""
    status = 422

    def __init__(self, message: str, fields: dict[str, str] | None = None,
                 status: int | None = None):
        super().__init__(message)
        self.message, self.fields = message, fields or {}
        if status is not None:
            self.status = status
