"""The consulting settings page: seller and invoice settings (VAT TIN shape, the next invoice number
only going up, reminder days), the stage list (rename, reorder, probability, requirements, keeping
an open, a won and a lost stage in use) and exchange rates (added, replaced, imported from CSV all
or nothing); managers only, other tenants and switched-off tenants kept out."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.consulting_crm import services
from plugins.consulting_crm.models import ConsultingSettings, ExchangeRate, Stage
from tests.helpers import login, make_member, make_tenant
from tests.plugins.consulting_crm.conftest import stage, switch_off

SETTINGS = {"seller_name": "API Development Consulting Co., Ltd.", "seller_tax_number": "k001 901234567",
            "seller_address": "#12, Street 310, Phnom Penh", "vat_percent": "10", "withholding_percent": "15",
            "invoice_prefix": "ADC-2026-", "next_invoice_number": "41", "payment_days": "30",
            "reminder_days": "2, 7,10"}


def base(tenant) -> str:
    return f"/t/{tenant.slug}/consulting/settings"


def saved_settings(tenant) -> ConsultingSettings:
    db.session.expire_all()
    return db.session.scalar(select(ConsultingSettings).where(ConsultingSettings.tenant_id == tenant.id))


def test_a_manager_sees_the_defaults_and_saves_the_invoice_settings(admin_client, tenant):
    html = admin_client.get(f"{base(tenant)}/").get_data(as_text=True)
    assert 'value="10"' in html and 'value="15"' in html and 'value="7,2"' in html
    assert "Proposal writing" in html and "National Bank of Cambodia" in html
    response = admin_client.post(f"{base(tenant)}/", data=SETTINGS)
    assert response.status_code == 302
    settings = saved_settings(tenant)
    assert settings.seller_tax_number == "K001-901234567" and settings.next_invoice_number == 41
    assert settings.reminder_days == "10,7,2" and settings.invoice_prefix == "ADC-2026-"
    assert services.reminder_days(settings) == [10, 7, 2]


def test_bad_settings_are_refused_and_nothing_is_saved(admin_client, tenant):
    assert admin_client.post(f"{base(tenant)}/", data=SETTINGS).status_code == 302
    for name, value, message in (("seller_tax_number", "12345", "a letter, 3 digits"),
                                 ("next_invoice_number", "40", "cannot go down"),
                                 ("vat_percent", "110", "between 0 and 100"),
                                 ("withholding_percent", "ten", "between 0 and 100"),
                                 ("reminder_days", "7,soon", "between 1 and 60"),
                                 ("payment_days", "-3", "between 0 and 365")):
        response = admin_client.post(f"{base(tenant)}/", data={**SETTINGS, "seller_name": "Changed", name: value})
        assert response.status_code == 422, name
        assert message in response.get_data(as_text=True), name
    assert saved_settings(tenant).seller_name == SETTINGS["seller_name"]


def test_stages_are_renamed_reordered_and_given_requirements(admin_client, tenant):
    qualified = stage(tenant, "qualified")
    response = admin_client.post(f"{base(tenant)}/stages/{qualified.id}", data={
        f"s{qualified.id}-name_en": "Qualified lead", f"s{qualified.id}-name_km": "ឱកាសដែលមានលក្ខណៈសម្បត្តិ",
        f"s{qualified.id}-position": "20", f"s{qualified.id}-default_probability": "30",
        f"s{qualified.id}-requires": ["client", "value"], f"s{qualified.id}-is_active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Stage, qualified.id)
    assert (changed.name_en, changed.position, changed.default_probability, changed.requires) == (
        "Qualified lead", 20, 30, "client,value")
    with tenant_scope(tenant.id):
        assert services.stages(tenant.id)[-1].code == "qualified"
    response = admin_client.post(f"{base(tenant)}/stages/{qualified.id}", data={
        f"s{qualified.id}-name_en": "Qualified lead", f"s{qualified.id}-position": "1",
        f"s{qualified.id}-default_probability": "130", f"s{qualified.id}-is_active": "y"})
    assert response.status_code == 422 and "between 0 and 100" in response.get_data(as_text=True)
    response = admin_client.post(f"{base(tenant)}/stages/new", data={
        "new-name_en": "Shortlisted", "new-outcome": "open", "new-default_probability": "60",
        "new-requires": ["client"]})
    assert response.status_code == 302
    assert db.session.scalar(select(Stage).where(Stage.code == "shortlisted")).default_probability == 60


def test_the_last_won_stage_and_a_stage_with_opportunities_stay_in_use(admin_client, tenant, opportunity):
    won, lead = stage(tenant, "won"), stage(tenant, "lead")
    response = admin_client.post(f"{base(tenant)}/stages/{won.id}", data={
        f"s{won.id}-name_en": "Won", f"s{won.id}-position": "5", f"s{won.id}-default_probability": "100"})
    assert response.status_code == 422 and "At least one won stage" in response.get_data(as_text=True)
    response = admin_client.post(f"{base(tenant)}/stages/{lead.id}", data={
        f"s{lead.id}-name_en": "Lead", f"s{lead.id}-position": "0", f"s{lead.id}-default_probability": "10"})
    assert response.status_code == 422 and "move them before" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Stage, won.id).is_active and db.session.get(Stage, lead.id).is_active


def test_rates_are_added_and_a_same_day_same_source_rate_replaced(admin_client, tenant):
    response = admin_client.post(f"{base(tenant)}/rates/new", data={
        "rate_on": "2026-11-02", "khr_per_usd": "4,012", "source": ""})
    assert response.status_code == 302
    rate = db.session.scalar(select(ExchangeRate))
    assert (rate.rate_on, rate.khr_per_usd, rate.source) == (date(2026, 11, 2), Decimal("4012"),
                                                             "National Bank of Cambodia")
    response = admin_client.post(f"{base(tenant)}/rates/new", data={
        "rate_on": "2026-11-02", "khr_per_usd": "4015.5", "source": "National Bank of Cambodia"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(ExchangeRate.id))) == 1
    db.session.expire_all()
    assert db.session.scalar(select(ExchangeRate)).khr_per_usd == Decimal("4015.5")
    for value in ("0", "-4000", "lots"):
        response = admin_client.post(f"{base(tenant)}/rates/new", data={"rate_on": "2026-11-03",
                                                                        "khr_per_usd": value})
        assert response.status_code == 422, value
    assert "4,015.5" in admin_client.get(f"{base(tenant)}/").get_data(as_text=True)


def test_a_csv_of_rates_is_imported_all_or_nothing(admin_client, tenant):
    with tenant_scope(tenant.id):
        db.session.add(ExchangeRate(tenant_id=tenant.id, rate_on=date(2026, 10, 1), khr_per_usd=Decimal("4000"),
                                    source="National Bank of Cambodia"))
        db.session.commit()
    bad = b"date,khr_per_usd,source\n2026-10-01,4010\n2026-10-02,-4\nsoon,4020\n"
    response = admin_client.post(f"{base(tenant)}/rates/import", data={"file": (io.BytesIO(bad), "rates.csv")},
                                 content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was saved" in html
    assert "Line 3: The exchange rate must be more than zero." in html and "Line 4: Give a date" in html
    assert db.session.scalar(select(func.count(ExchangeRate.id))) == 1
    good = "date,khr_per_usd,source\n2026-10-01,4010\n2026-10-02,\"4,012\"\n2026-10-02,4100,ACLEDA Bank\n"
    response = admin_client.post(f"{base(tenant)}/rates/import",
                                 data={"file": (io.BytesIO(good.encode()), "rates.csv")},
                                 content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    rates = {(row.rate_on, row.source): row.khr_per_usd for row in db.session.scalars(select(ExchangeRate))}
    assert rates == {(date(2026, 10, 1), "National Bank of Cambodia"): Decimal("4010"),
                     (date(2026, 10, 2), "National Bank of Cambodia"): Decimal("4012"),
                     (date(2026, 10, 2), "ACLEDA Bank"): Decimal("4100")}


def test_staff_get_403_and_other_or_switched_off_tenants_404(client, tenant, staff):
    login(client, staff.email)
    assert client.get(f"{base(tenant)}/").status_code == 403
    assert client.post(f"{base(tenant)}/rates/new", data={}).status_code == 403
    client.post("/logout")
    other = make_tenant("ngo-forum")
    outsider = make_member(other, Role.ADMIN, email="admin@ngo-forum.example")
    won = stage(tenant, "won")
    login(client, outsider.email)
    response = client.post(f"/t/{other.slug}/consulting/settings/stages/{won.id}", data={
        f"s{won.id}-name_en": "Mine now", f"s{won.id}-position": "1", f"s{won.id}-default_probability": "1"})
    assert response.status_code == 404
    switch_off(other)
    assert client.get(f"/t/{other.slug}/consulting/settings/").status_code == 404
