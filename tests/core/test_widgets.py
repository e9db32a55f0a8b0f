"""The fast <select> rendering gives exactly the markup wtforms gives, escaping included."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Form, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice as C
from wtforms.validators import InputRequired

from core.widgets import render_field


class ChoicesForm(Form):
    body = SelectField("Body", choices=[C("", "Any body"), C("1", "Ministry <of> Planning & Co \"x\""), C("2", "Kampot")],
                       validators=[InputRequired()])
    number = SelectField("Number", choices=[C(1, "one"), C(2, "two")], coerce=int, render_kw={"class": "narrow"})
    khmer = SelectField("Province", choices=[C("kp", "កំពត"), C("bb", "បាត់ដំបង")])
    grouped = SelectField("Grouped", choices=[C("a", "A", optgroup="North"), C("b", "B", optgroup="South")])
    many = SelectMultipleField("Many", choices=[C("a", "A"), C("b", "B")])
    agree = BooleanField("Agree")


@pytest.mark.parametrize("name", ["body", "number", "khmer", "grouped", "many", "agree"])
@pytest.mark.parametrize("attrs", [{}, {"aria-invalid": "true", "aria-describedby": "x-error"}])
def test_fast_select_markup_is_identical_to_wtforms(name, attrs):
    form = ChoicesForm(MultiDict({"body": "1", "number": "2", "khmer": "bb", "grouped": "b", "many": ["a"]}))
    field = form[name]
    assert str(render_field(field, dict(attrs))) == str(field(**attrs))


def test_option_labels_are_escaped():
    html = str(render_field(ChoicesForm()["body"], {}))
    assert "Ministry &lt;of&gt; Planning &amp; Co &#34;x&#34;" in html and "<of>" not in html
