"""The page shell: usable on a phone, vendored assets only, Khmer font, navigation, accessible forms."""
from __future__ import annotations

import re

from core.extensions import db
from core.models import Membership, Role
from tests.helpers import login, make_member


def test_pages_are_responsive_and_load_only_local_assets(staff_client, tenant):
    page = staff_client.get(f"/t/{tenant.slug}/").text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "no CDN or external asset"
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        assert staff_client.get(asset).status_code == 200, asset


def test_khmer_web_font_is_vendored_and_declared(client):
    css = client.get("/static/samaki.css").text
    assert "noto-sans-khmer-khmer-400-normal.woff2" in css and "U+1780-17FF" in css
    font = client.get("/static/vendor/fonts/noto-sans-khmer-khmer-400-normal.woff2")
    assert font.status_code == 200 and font.data[:4] == b"wOF2"


def test_skip_link_menu_and_logout_form_are_on_every_page(staff_client, tenant):
    page = staff_client.get(f"/t/{tenant.slug}/").text
    assert 'class="skip-link" href="#main"' in page
    assert '<details class="menu"' in page and 'aria-current="page"' in page
    assert re.search(r'<form method="post" action="/logout">.*?Log out', page, re.S)


def test_flash_messages_are_announced(staff_client, tenant):
    page = staff_client.post("/logout", follow_redirects=True).text
    assert 'aria-live="polite"' in page and "You have logged out." in page


def test_tenant_switcher_lists_only_my_organisations(client, tenant, other_tenant):
    user = make_member(tenant, "staff", email="two@a.example")
    db.session.add(Membership(user=user, tenant=other_tenant, role=Role.VIEWER))
    db.session.commit()
    login(client, user.email)
    page = client.get(f"/t/{tenant.slug}/").text
    switcher = page.split('class="tenant-switcher"')[1].split("</div>")[0]
    assert tenant.name in switcher and other_tenant.name in switcher


def test_form_errors_sit_next_to_their_field(staff_client, tenant):
    page = staff_client.post(f"/t/{tenant.slug}/visits/new", data={"title": "", "visited_on": "2026-01-01"}).text
    field = re.search(r'<div class="field"><label for="title">.*?</div>', page, re.S).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="title-error"' in field
    assert '<p class="field-error" id="title-error">' in field


def test_forbidden_page_is_translated(client, tenant, viewer):
    viewer.locale = "km"
    db.session.commit()
    login(client, viewer.email)
    response = client.get(f"/t/{tenant.slug}/admin/members")
    assert response.status_code == 403 and '<html lang="km">' in response.text
    assert "Not allowed" not in response.text
