"""Fast HTML for a <select> with many options (members, public bodies): wtforms renders every
<option> through html_params, and a list filter with 300 options spent a third of its page time
there. Same markup as wtforms' Select widget; anything unusual (multiple, per-option attributes,
non-text values) is left to wtforms."""
from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import widgets
from wtforms.widgets import html_params


def render_field(field, attrs: dict) -> Markup:
    """`field(**attrs)`, with the fast path for plain single-choice selects."""
    if type(field.widget) is not widgets.Select or field.widget.multiple:
        return field(**attrs)
    attrs = {**(field.render_kw or {}), **attrs}
    attrs.setdefault("id", field.id)
    for flag in widgets.Select.validation_attrs:
        if flag not in attrs and getattr(field.flags, flag, False):
            attrs[flag] = getattr(field.flags, flag)
    parts = [f"<select {html_params(name=field.name, **attrs)}>"]
    groups = field.iter_groups() if field.has_groups() else [(None, field.iter_choices())]
    for group, choices in groups:
        if group is not None:
            parts.append(f"<optgroup {html_params(label=group)}>")
        parts.extend(_option(choice) for choice in choices)
        if group is not None:
            parts.append("</optgroup>")
    parts.append("</select>")
    return Markup("".join(parts))


def _option(choice) -> str:
    value = choice.value
    if choice.render_kw or isinstance(value, bool) or not isinstance(value, (str, int)):
        return widgets.Select.render_option(choice)
    selected = "selected " if choice.selected else ""
    return f'<option {selected}value="{escape(value)}">{escape(choice.label or value)}</option>'
