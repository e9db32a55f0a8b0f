"""A frozen snapshot never changes: the pages have no edit form and refuse every attempt with 409,
and the ORM itself refuses to update or delete a stored snapshot or one of its values."""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.models.audit import AuditEvent
from core.periods import parse_period
from core.tenancy import tenant_scope
from plugins.results_framework import services
from plugins.results_framework.models import Snapshot, SnapshotValue
from tests.helpers import login, make_member
from tests.plugins.results_framework.conftest import enter, make_indicator

REFUSAL = "A frozen snapshot cannot be changed. Record a correction instead."


@pytest.fixture
def snapshot(tenant, outcome, admin_user) -> Snapshot:
    trained = make_indicator(tenant, outcome, "1.1.1", name_en="People trained", targets={"2025": 400})
    enter(tenant, trained, "2025-Q1", 120, comment="Two workshops in Kampot")
    with tenant_scope(tenant.id):
        frozen = services.freeze(tenant, parse_period("2025-Q1"), actor_id=admin_user.id, comment="Board report")
        db.session.commit()
        return frozen


def base(tenant) -> str:
    return f"/t/{tenant.slug}/results/snapshots"


def as_stored(tenant, snapshot_id: int) -> tuple:
    db.session.expire_all()
    with tenant_scope(tenant.id):
        found = db.session.get(Snapshot, snapshot_id)
        return found.comment, found.period_key, [(value.code, value.value, value.comment) for value in found.values]


def test_there_is_no_edit_form(admin_client, tenant, snapshot):
    page = admin_client.get(f"{base(tenant)}/{snapshot.id}").text
    assert f"{base(tenant)}/{snapshot.id}/edit" not in page
    assert 'name="value"' not in page and 'name="target"' not in page
    assert "Record a correction" in page


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_every_attempt_to_edit_through_the_pages_answers_409(admin_client, tenant, snapshot, method):
    before = as_stored(tenant, snapshot.id)
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    for url in (f"{base(tenant)}/{snapshot.id}/edit", f"{base(tenant)}/{snapshot.id}"):
        if method == "GET" and not url.endswith("/edit"):
            continue      # reading the snapshot is allowed
        response = admin_client.open(url, method=method, data={"value": "999", "comment": "Changed",
                                                                "period_key": "2025-Q2"})
        assert response.status_code == 409, f"{method} {url}"
        assert REFUSAL in response.text
    assert as_stored(tenant, snapshot.id) == before
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events


def test_the_refusal_is_translated(app, client, tenant, snapshot):
    viewer = make_member(tenant, Role.VIEWER, locale="km")
    login(client, viewer.email)
    response = client.post(f"{base(tenant)}/{snapshot.id}/edit", data={"value": "1"})
    assert response.status_code == 409
    with app.test_request_context(), force_locale("km"):
        in_khmer = gettext(REFUSAL)
    assert 'lang="km"' in response.text and in_khmer in response.text


def test_editing_a_snapshot_that_does_not_exist_is_not_found(admin_client, tenant, snapshot):
    assert admin_client.post(f"{base(tenant)}/{snapshot.id + 1000}/edit").status_code == 404


def test_the_orm_refuses_to_change_a_frozen_value(tenant, snapshot):
    with tenant_scope(tenant.id):
        value = db.session.scalar(select(SnapshotValue).where(SnapshotValue.snapshot_id == snapshot.id))
        value.value = Decimal("999")
        with pytest.raises(services.FrozenError) as refused:
            db.session.commit()
        assert str(refused.value) == REFUSAL
        db.session.rollback()
    assert as_stored(tenant, snapshot.id)[2] == [("1.1.1", Decimal("120"), "Two workshops in Kampot")]


def test_the_orm_refuses_to_change_a_snapshot_or_delete_it(tenant, snapshot):
    with tenant_scope(tenant.id):
        frozen = db.session.get(Snapshot, snapshot.id)
        frozen.comment = "Rewritten"
        with pytest.raises(services.FrozenError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(Snapshot, snapshot.id))
        with pytest.raises(services.FrozenError):
            db.session.commit()
        db.session.rollback()
    comment, period_key, values = as_stored(tenant, snapshot.id)
    assert (comment, period_key) == ("Board report", "2025-Q1") and len(values) == 1


def test_the_orm_refuses_to_delete_a_frozen_value(tenant, snapshot):
    with tenant_scope(tenant.id):
        db.session.delete(db.session.scalar(select(SnapshotValue).where(SnapshotValue.snapshot_id == snapshot.id)))
        with pytest.raises(services.FrozenError):
            db.session.commit()
        db.session.rollback()
    assert len(as_stored(tenant, snapshot.id)[2]) == 1


def test_a_change_stopped_by_the_orm_in_any_page_or_api_answers_409(app, tenant, snapshot):
    """Whatever front door lets a change through to the ORM, the refusal is a conflict, not a 500."""
    for path in (f"/t/{tenant.slug}/results/", f"/api/v1/t/{tenant.slug}/results/snapshots/"):
        with app.test_request_context(path):
            with tenant_scope(tenant.id):
                db.session.get(Snapshot, snapshot.id).comment = "Rewritten"
                try:
                    db.session.flush()
                except services.FrozenError as error:
                    response = app.make_response(app.handle_user_exception(error))
            assert response.status_code == 409
            assert REFUSAL in response.get_data(as_text=True)
            if path.startswith("/api/"):
                assert response.json["status"] == 409 and response.json["detail"] == REFUSAL
    assert as_stored(tenant, snapshot.id)[0] == "Board report"
