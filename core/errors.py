"""Domain errors: raised by services (no Flask), turned into form errors or problem+json by views."""


class DomainError(Exception):
    """A rule of the domain refused an action; `message` is translatable, `field` names the input at fault."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def show_on_form(form, error: DomainError, default: str | None = None) -> None:
    """Put a service's refusal on the HTML form: on the field it names (else `default`), or above
    the form when neither is one of the form's fields."""
    name = error.field if error.field and error.field in form else default
    if name and name in form:
        getattr(form, name).errors = list(getattr(form, name).errors) + [str(error.message)]
    else:
        form.form_errors.append(str(error.message))


def form_status(form) -> int:
    """The HTTP status of a page showing `form`: 422 when it shows an error (on a field or above
    the form), else 200."""
    return 422 if (form.errors or form.form_errors) else 200
