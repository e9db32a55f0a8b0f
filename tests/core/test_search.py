"""Global search: plugins answer through the hook; results respect tenant, permissions, sharing;
Khmer words are found inside longer Khmer phrases."""
from __future__ import annotations

from datetime import date

from core.extensions import db
from core.tenancy import tenant_scope
from tests.example_plugin.models import FieldVisit


def add_visit(tenant, title: str, notes: str = "") -> None:
    with tenant_scope(tenant.id):
        db.session.add(FieldVisit(title=title, visited_on=date(2026, 4, 1), notes=notes))
        db.session.commit()


def test_khmer_word_is_found_inside_a_longer_phrase(staff_client, tenant):
    # "ការចូលរួមរបស់សហគមន៍ក្នុងថវិកាឃុំ" = community participation in the commune budget (no spaces)
    add_visit(tenant, "ការចូលរួមរបស់សហគមន៍ក្នុងថវិកាឃុំ")
    page = staff_client.get(f"/t/{tenant.slug}/search", query_string={"q": "ថវិកា"}).text
    assert "ការចូលរួមរបស់សហគមន៍ក្នុងថវិកាឃុំ" in page


def test_zero_width_spaces_do_not_hide_a_match(staff_client, tenant):
    add_visit(tenant, "សហគមន៍\u200bថវិកា\u200bឃុំ")
    page = staff_client.get(f"/t/{tenant.slug}/search", query_string={"q": "ថវិកាឃុំ"}).text
    assert "1 result" in page


def test_latin_search_ignores_case(staff_client, tenant):
    add_visit(tenant, "Commune Budget Hearing")
    assert "Commune Budget Hearing" in staff_client.get(f"/t/{tenant.slug}/search?q=budget hearing").text


def test_search_never_shows_another_tenants_records(staff_client, tenant, other_tenant):
    add_visit(other_tenant, "Secret land dispute in Koh Kong")
    page = staff_client.get(f"/t/{tenant.slug}/search?q=land dispute").text
    assert "Koh Kong" not in page and "Nothing found" in page


def test_like_wildcards_in_the_query_are_literal(staff_client, tenant):
    add_visit(tenant, "Visit one")
    assert "Nothing found" in staff_client.get(f"/t/{tenant.slug}/search?q=%25").text


def test_search_box_is_on_every_tenant_page(staff_client, tenant):
    assert 'role="search"' in staff_client.get(f"/t/{tenant.slug}/").text
