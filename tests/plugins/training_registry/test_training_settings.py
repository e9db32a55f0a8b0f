"""The training settings page: managers set the youth band (15–30 by default); a band that is
upside down or out of range is refused with a message and nothing is saved."""
from __future__ import annotations

from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.training_registry import services
from plugins.training_registry.models import TrainingSettings
from tests.helpers import login, make_member


def url(tenant) -> str:
    return f"/t/{tenant.slug}/training/settings/"


def test_the_page_shows_the_default_band_and_saves_a_new_one(admin_client, tenant):
    html = admin_client.get(url(tenant)).get_data(as_text=True)
    assert 'value="15"' in html and 'value="30"' in html
    assert db.session.scalar(select(func.count(TrainingSettings.id))) == 0     # reading saves nothing
    response = admin_client.post(url(tenant), data={"youth_min_age": "15", "youth_max_age": "35"})
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        assert services.youth_band(tenant.id) == (15, 35)
    page = admin_client.get(url(tenant)).get_data(as_text=True)
    assert 'value="35"' in page
    # Saved again: still one row.
    assert admin_client.post(url(tenant), data={"youth_min_age": "18", "youth_max_age": "24"}).status_code == 302
    assert db.session.scalar(select(func.count(TrainingSettings.id))) == 1
    with tenant_scope(tenant.id):
        assert services.youth_band(tenant.id) == (18, 24)


def test_a_band_upside_down_or_out_of_range_is_refused(admin_client, tenant):
    response = admin_client.post(url(tenant), data={"youth_min_age": "30", "youth_max_age": "20"})
    assert response.status_code == 422
    assert "The oldest age cannot be below the youngest." in response.get_data(as_text=True)
    response = admin_client.post(url(tenant), data={"youth_min_age": "5", "youth_max_age": "60"})
    assert response.status_code == 422
    assert "Choose an age between 10 and 40." in response.get_data(as_text=True)
    response = admin_client.post(url(tenant), data={"youth_min_age": "fifteen", "youth_max_age": ""})
    assert response.status_code == 422
    assert "Give an age in whole years." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(TrainingSettings.id))) == 0
    with tenant_scope(tenant.id):
        assert services.youth_band(tenant.id) == (15, 30)


def test_one_age_band_is_allowed(admin_client, tenant):
    assert admin_client.post(url(tenant), data={"youth_min_age": "18", "youth_max_age": "18"}).status_code == 302


def test_only_managers_change_the_settings(client, tenant):
    login(client, make_member(tenant, Role.STAFF).email)
    assert client.get(url(tenant)).status_code == 403
    assert client.post(url(tenant), data={"youth_min_age": "10", "youth_max_age": "40"}).status_code == 403
    assert db.session.scalar(select(func.count(TrainingSettings.id))) == 0


def test_each_tenant_has_its_own_band(admin_client, tenant, other_tenant):
    admin_client.post(url(tenant), data={"youth_min_age": "16", "youth_max_age": "25"})
    with tenant_scope(other_tenant.id):
        assert services.youth_band(other_tenant.id) == (15, 30)
    with tenant_scope(tenant.id):
        assert services.youth_band(tenant.id) == (16, 25)


def test_the_page_reads_in_khmer(admin_client, tenant):
    tenant.default_locale = "km"
    db.session.commit()
    response = admin_client.get(url(tenant))
    assert response.status_code == 200 and 'lang="km"' in response.get_data(as_text=True)
