"""The place picker's form field: with JavaScript the chosen place's id comes with the text; without
it the server resolves what was typed (a code or a name), offers the candidates when several places
match and explains when none does."""
from __future__ import annotations

from datetime import date, timedelta

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms.validators import DataRequired, Optional

from core.extensions import db
from core.registers.fields import PlaceField
from core.registers.places import choice_text, set_successor
from tests.core.registers.places_helpers import TUEK_CHHU, TUEK_CHHU_KM, load_places, place

PLACES = "/t/kampot-network/places/"


class DistrictForm(FlaskForm):
    class Meta:
        csrf = False

    district = PlaceField("District", validators=[Optional()], kind="district")


class AnyPlaceForm(FlaskForm):
    class Meta:
        csrf = False

    place = PlaceField("Place", validators=[DataRequired()])


def submit(app, form_class, data: dict, obj=None):
    with app.test_request_context("/", method="POST"):
        form = form_class(formdata=MultiDict(data), obj=obj)
        valid = form.validate()
        return valid, form


# --- without JavaScript: the server resolves the text -------------------------------------------------

def test_typed_khmer_district_name_is_resolved_on_submit(app, staff_client):
    load_places()

    response = staff_client.post(PLACES, data={"place": TUEK_CHHU_KM})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/places/{place(TUEK_CHHU).id}")


def test_typed_code_is_resolved_on_submit(app, staff_client):
    load_places()

    response = staff_client.post(PLACES, data={"place": "070702"})

    assert response.headers["Location"].endswith(f"/places/{place('070702').id}")


def test_ambiguous_name_lists_the_candidates_by_code_and_one_can_be_chosen(app, staff_client):
    load_places()

    response = staff_client.post(PLACES, data={"place": "Kampot"})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Several places match “Kampot”: choose one below or type its code." in page
    assert "07 Kampot" in page and "0708 Kampot — Kampot" in page
    assert f'name="place-id" type="radio" value="{place("0708").id}"' in page

    chosen = staff_client.post(PLACES, data={"place": "Kampot", "place-id": str(place("0708").id)})
    assert chosen.headers["Location"].endswith(f"/places/{place('0708').id}")


def test_unknown_name_or_code_is_a_clear_error(app, staff_client):
    load_places()

    for text in ("Atlantis", "99", "99999999"):
        response = staff_client.post(PLACES, data={"place": text})
        assert response.status_code == 422
        assert f"No place matches “{text}”. Type a code or part of a name." in response.get_data(as_text=True)


def test_kind_limits_what_a_name_resolves_to(app):
    load_places()

    valid, form = submit(app, DistrictForm, {"district": "Kampot"})

    assert valid and form.district.data == place("0708").id   # the municipality, not the province


def test_empty_required_field_says_it_is_required(app):
    load_places()

    valid, form = submit(app, AnyPlaceForm, {"place": "  "})

    assert not valid and form.place.errors == ["This field is required."]


# --- with JavaScript: the picked id travels with the text ---------------------------------------------

def test_picked_place_id_is_taken_when_the_text_is_the_picked_one(app):
    load_places()
    district = place(TUEK_CHHU)
    with app.test_request_context("/"):
        text = choice_text(district, "en")

    valid, form = submit(app, DistrictForm, {"district": text, "district-id": str(district.id)})

    assert valid and form.district.data == district.id


def test_an_id_that_does_not_fit_the_text_is_ignored(app):
    load_places()

    valid, form = submit(app, DistrictForm, {"district": TUEK_CHHU_KM, "district-id": str(place("0708").id)})

    assert valid and form.district.data == place(TUEK_CHHU).id


def test_garbage_id_is_ignored_not_a_server_error(app):
    load_places()

    valid, form = submit(app, DistrictForm, {"district": "Atlantis", "district-id": "9" * 40})

    assert not valid and form.district.errors == ["No place matches “Atlantis”. Type a code or part of a name."]


def test_a_retired_place_is_not_offered_but_an_old_record_keeps_it(app):
    load_places()
    old = place(TUEK_CHHU)
    set_successor(TUEK_CHHU, "0708", date.today() - timedelta(days=30))
    db.session.commit()
    with app.test_request_context("/"):
        text = choice_text(old, "en")

    class Record:
        district = old.id

    kept, form = submit(app, DistrictForm, {"district": text, "district-id": str(old.id)}, obj=Record())
    assert kept and form.district.data == old.id

    offered, form = submit(app, DistrictForm, {"district": text, "district-id": str(old.id)})
    assert not offered


def test_the_field_renders_a_text_box_and_the_hidden_id_for_the_script(app, tenant):
    load_places()
    district = place(TUEK_CHHU)
    with app.test_request_context("/"):
        form = DistrictForm(formdata=None, data={"district": district.id})
        html = str(form.district())

    assert 'name="district" spellcheck="false" type="text" value="0707 Tuek Chhu — Kampot"' in html
    assert f'name="district-id" type="hidden" value="{district.id}"' in html
