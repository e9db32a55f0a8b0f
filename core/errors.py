"""Domain errors: raised by services (no Flask), turned into form errors or problem+json by views."""


class DomainError(Exception):
    """A rule of the domain refused an action; `message` is translatable, `field` names the input at fault."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field
