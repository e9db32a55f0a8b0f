"""Form fields that pick a record of a register by typing: a text box that works without
JavaScript (the server resolves what was typed when the form is posted) and becomes a type-ahead
list with core/static/picker.js. LookupField is the generic part; PlaceField picks a place.

Posted values: `<name>` is the typed text, `<name>-id` the chosen record's id (a hidden input the
script fills, or one of the radio buttons offered after an ambiguous text). The field's `data` is
the record's id (or None)."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from werkzeug.routing import BuildError
from wtforms import Field
from wtforms.utils import unset_value
from wtforms.validators import StopValidation
from wtforms.widgets import html_params

from core.i18n import current_locale

MAX_TEXT = 200
MAX_CHOICES = 10


def picker_response(rows: list[tuple[int, str, str]]):
    """The JSON a picker's search answers: [{id, code, label}] (labels in the user's language)."""
    from flask import jsonify
    return jsonify([{"id": record_id, "code": code, "label": label} for record_id, code, label in rows])


class LookupWidget:
    """The text box, the hidden id and, after an ambiguous text, the candidates as radio buttons."""

    def __call__(self, field: "LookupField", **kwargs) -> Markup:
        kwargs.setdefault("id", field.id)
        kwargs.pop("required", None)   # the browser's own check would stop a form the server explains better
        input_attrs = html_params(type="text", name=field.name, value=field.display_text(), autocomplete="off",
                                  maxlength=MAX_TEXT, spellcheck="false", **kwargs)
        wrapper = html_params(class_="lookup", data_lookup_url=field.search_url(), data_lookup_min=field.min_chars,
                              data_lookup_empty=str(field.no_results_text),
                              data_lookup_hint=str(field.keyboard_hint))
        parts = [f"<div {wrapper}>", f"<input {input_attrs}>"]
        if field.candidates:
            parts.append(f'<fieldset class="lookup-choices"><legend>{escape(field.choose_legend)}</legend>')
            for index, record in enumerate(field.candidates):
                choice_id = f"{field.id}-choice-{index}"
                radio = html_params(type="radio", id=choice_id, name=f"{field.name}-id", value=field.record_id(record))
                parts.append(f'<div class="field checkbox"><input {radio}>'
                             f'<label for="{choice_id}">{escape(field.choice_text(record))}</label></div>')
            parts.append("</fieldset>")
        else:
            record_id = field.data if field.data is not None else ""
            parts.append(f'<input {html_params(type="hidden", name=field.name + "-id", value=record_id)}>')
        parts.append("</div>")
        return Markup("".join(parts))


class LookupField(Field):
    """A reference to one record, typed by code or name. Subclasses say how records are found
    (`find`, `match`), shown (`choice_text`, `record_label`) and which may be chosen (`choosable`); a
    current value that is no longer choosable (a retired place) is kept when left unchanged."""

    widget = LookupWidget()
    search_endpoint = ""
    min_chars = 2
    not_found_message = _l("Nothing matches “%(text)s”.")
    ambiguous_message = _l("Several records match “%(text)s”: choose one below or type its code.")
    too_many_message = _l("More than %(num)s records match “%(text)s”: choose one below or type more of the name.")
    choose_legend = _l("Which one do you mean?")
    no_results_text = _l("No match")
    keyboard_hint = _l("Use the arrow keys to choose, Enter to pick.")

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.text: str | None = None
        self.record = None
        self.candidates: list = []
        self.lookup_error: str | None = None

    # --- what a subclass provides ------------------------------------------------------------------

    def search_args(self) -> dict:
        return {}

    def find(self, record_id: int):
        raise NotImplementedError

    def match(self, text: str) -> tuple[object | None, list]:
        """(the record the text designates or None, the candidates: up to MAX_CHOICES + 1)."""
        raise NotImplementedError

    def choosable(self, record) -> bool:
        return True

    @staticmethod
    def designated(text: str, found: list, names) -> tuple[object | None, list]:
        """`match`'s answer from a search's results: the one record one of whose `names(record)` is
        exactly the text (whatever the case), else the only record found, else none."""
        wanted = text.casefold()
        exact = [record for record in found if wanted in (name.casefold() for name in names(record) if name)]
        if len(exact) == 1:
            return exact[0], found
        return (found[0], found) if len(found) == 1 else (None, found)

    def record_label(self, record) -> str:
        raise NotImplementedError

    def code(self, record) -> str:
        return ""

    def record_id(self, record) -> int:
        return record.id

    # --- the field ----------------------------------------------------------------------------------

    def search_url(self) -> str:
        """The search the script calls; none (a plain text box) where the endpoint cannot be built."""
        try:
            return url_for(self.search_endpoint, **self.search_args()) if self.search_endpoint else ""
        except BuildError:
            return ""

    def choice_text(self, record) -> str:
        """The text box's content for a chosen record (the same the script writes): code and label."""
        code = self.code(record)
        return f"{code} {self.record_label(record)}" if code else self.record_label(record)

    def display_text(self) -> str:
        if self.text is not None and (self.lookup_error or self.data is None):
            return self.text
        record = self.current_record()
        return self.choice_text(record) if record is not None else (self.text or "")

    def current_record(self):
        if self.data is None:
            return None
        if self.record is None or self.record_id(self.record) != self.data:
            self.record = self.find(self.data)
        return self.record

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        if data is unset_value:
            try:
                data = self.default()
            except TypeError:
                data = self.default
        self.object_data = data
        self.data = data
        if formdata is None or self.name not in formdata:
            return
        self.raw_data = formdata.getlist(self.name)
        self.text = (self.raw_data[0] or "").strip()[:MAX_TEXT]
        self._resolve(formdata.get(f"{self.name}-id", ""))

    def _resolve(self, chosen: str) -> None:
        self.data, self.record = None, None
        if not self.text:
            return
        record = self._chosen(chosen)
        if record is None:
            record, candidates = self.match(self.text)
            if record is None:
                self.candidates = candidates[:MAX_CHOICES]
                if not candidates:
                    self.lookup_error = self.not_found_message % {"text": self.text}
                elif len(candidates) > MAX_CHOICES:
                    self.lookup_error = self.too_many_message % {"text": self.text, "num": MAX_CHOICES}
                else:
                    self.lookup_error = self.ambiguous_message % {"text": self.text}
                return
        self.data, self.record = self.record_id(record), record

    def _chosen(self, chosen: str):
        """The record picked from the list (script or radio buttons), if it fits the typed text."""
        chosen = (chosen or "").strip()
        if not chosen.isdigit() or len(chosen) > 10:
            return None
        record = self.find(int(chosen))
        if record is None or not (self.choosable(record) or self.record_id(record) == self.object_data):
            return None
        if self.text == self.choice_text(record):
            return record
        _record, candidates = self.match(self.text)
        return record if any(self.record_id(c) == self.record_id(record) for c in candidates) else None

    def pre_validate(self, form) -> None:
        if self.lookup_error:
            raise StopValidation(self.lookup_error)

    def _value(self) -> str:
        return self.display_text()


class PlaceField(LookupField):
    """A place of the official gazetteer (current places only; `kind` limits it to one level)."""

    search_endpoint = "places.search"
    not_found_message = _l("No place matches “%(text)s”. Type a code or part of a name.")
    ambiguous_message = _l("Several places match “%(text)s”: choose one below or type its code.")
    too_many_message = _l("More than %(num)s places match “%(text)s”: choose one below or type more of the name.")
    choose_legend = _l("Which place do you mean?")
    no_results_text = _l("No place matches")

    def __init__(self, label=None, validators=None, kind=None, **kwargs):
        from core.registers.models import PlaceKind
        super().__init__(label, validators, **kwargs)
        self.kind = PlaceKind(kind) if kind else None

    def search_args(self) -> dict:
        return {"kind": self.kind.value} if self.kind else {}

    def find(self, record_id: int):
        from core.registers.places import get_place
        return get_place(record_id)

    def match(self, text: str):
        from core.registers.places import match_place
        found = match_place(text, kind=self.kind, limit=MAX_CHOICES)
        return found.place, found.candidates

    def choosable(self, record) -> bool:
        return record.is_current and (self.kind is None or record.kind == self.kind)

    def record_label(self, record) -> str:
        from core.registers.places import place_label
        return place_label(record, current_locale())

    def code(self, record) -> str:
        return record.code


class ContactField(LookupField):
    """A contact of the tenant typed by name (Khmer or Latin); `kind` limits it to people or to
    organisations. A register of thousands stays a light text box, never a select of everyone."""

    search_endpoint = "contacts.picker_search"
    not_found_message = _l("No contact matches “%(text)s”.")
    ambiguous_message = _l("Several contacts match “%(text)s”: choose one below.")
    too_many_message = _l("More than %(num)s contacts match “%(text)s”: choose one below or type more of the name.")
    choose_legend = _l("Which contact do you mean?")
    no_results_text = _l("No contact matches")

    def __init__(self, label=None, validators=None, kind=None, **kwargs):
        from core.registers.models import ContactKind
        super().__init__(label, validators, **kwargs)
        self.kind = ContactKind(kind) if kind else None

    def search_args(self) -> dict:
        return {"kind": self.kind.value} if self.kind else {}

    def find(self, record_id: int):
        from core.registers.contacts import get_pickable
        return get_pickable(record_id, self.kind)

    def match(self, text: str):
        from core.registers.contacts import search_for_picker
        from core.registers.protection import PROTECTED_PERMISSION
        from core.permissions import can
        found = search_for_picker(text, kind=self.kind, include_protected=can(PROTECTED_PERMISSION),
                                  limit=MAX_CHOICES + 1)
        return self.designated(text, found, lambda contact: (contact.name_latin, contact.name_km))

    def record_label(self, record) -> str:
        from core.registers.protection import shown_name
        return shown_name(record, current_locale(), reveal=False)


class OrganisationField(ContactField):
    """An organisation of the tenant's contacts."""

    not_found_message = _l("No organisation matches “%(text)s”.")
    ambiguous_message = _l("Several organisations match “%(text)s”: choose one below.")
    too_many_message = _l("More than %(num)s organisations match “%(text)s”: choose one below or type more of the name.")
    choose_legend = _l("Which organisation do you mean?")
    no_results_text = _l("No organisation matches")

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, kind="organisation", **kwargs)


class InstitutionField(LookupField):
    """An institution the tenant can see (the shared register and its own), typed by code or name;
    only current ones unless `include_former` (a filter may look for an abolished body's requests)."""

    search_endpoint = "institutions.picker_search"
    not_found_message = _l("No institution matches “%(text)s”. Type a code or part of a name.")
    ambiguous_message = _l("Several institutions match “%(text)s”: choose one below or type its code.")
    too_many_message = _l("More than %(num)s institutions match “%(text)s”: choose one below or type more of the name.")
    choose_legend = _l("Which institution do you mean?")
    no_results_text = _l("No institution matches")

    def __init__(self, label=None, validators=None, include_former: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.include_former = include_former

    def search_args(self) -> dict:
        return {"former": "1"} if self.include_former else {}

    def find(self, record_id: int):
        from core.registers.institutions import get_visible_institution
        return get_visible_institution(record_id)

    def match(self, text: str):
        from core.registers.institutions import search_for_picker
        found = search_for_picker(text, include_former=self.include_former, limit=MAX_CHOICES + 1)
        return self.designated(text, found, lambda body: (body.code, body.name_en, body.name_km))

    def choosable(self, record) -> bool:
        from core.registers.institutions import is_current
        return self.include_former or is_current(record)

    def record_label(self, record) -> str:
        return record.name_in(current_locale())

    def code(self, record) -> str:
        return record.code


class MemberField(LookupField):
    """An active member of the current tenant, typed by name or e-mail: a tenant of hundreds of
    members stays a light text box instead of a select of everyone."""

    search_endpoint = "core.member_picker"
    not_found_message = _l("No member matches “%(text)s”.")
    ambiguous_message = _l("Several members match “%(text)s”: choose one below.")
    too_many_message = _l("More than %(num)s members match “%(text)s”: choose one below or type more of the name.")
    choose_legend = _l("Which member do you mean?")
    no_results_text = _l("No member matches")

    def find(self, record_id: int):
        from flask import g
        from core.admin.queries import active_member
        return active_member(g.tenant.id, record_id)

    def match(self, text: str):
        from flask import g
        from core.admin.queries import find_active_members
        found = find_active_members(g.tenant.id, text, MAX_CHOICES + 1)
        return self.designated(text, found, lambda user: (user.name, user.email))

    def record_label(self, record) -> str:
        return record.name or record.email
