"""Renamed and merged ministries: the old institution ends on a date and points to its successor;
lists show current institutions unless former ones are asked for, and the pages link both ways."""
from __future__ import annotations

from datetime import date

import pytest

from core.errors import DomainError
from core.extensions import db
from core.registers.institutions import set_successor
from core.tenancy import tenant_scope
from tests.core.registers.institution_factories import make_institution, reload


@pytest.fixture
def renamed(app):
    """The Ministry of Industry and Handicraft became the Ministry of Industry, Science, Technology
    and Innovation (2020)."""
    new = make_institution("MISTI", "Ministry of Industry, Science, Technology and Innovation")
    old = make_institution("MIH", "Ministry of Industry and Handicraft")
    set_successor(old, new, date(2020, 3, 1))
    db.session.commit()
    return old, new


def test_the_old_page_says_replaced_by_and_links(staff_client, tenant, renamed):
    old, new = renamed
    page = staff_client.get(f"/t/{tenant.slug}/institutions/{old.id}").get_data(as_text=True)
    assert "Replaced by Ministry of Industry, Science, Technology and Innovation on" in page
    assert f'href="/t/{tenant.slug}/institutions/{new.id}"' in page and "Former" in page
    successor_page = staff_client.get(f"/t/{tenant.slug}/institutions/{new.id}").get_data(as_text=True)
    assert "Replaced institutions" in successor_page and "Ministry of Industry and Handicraft" in successor_page


def test_lists_show_current_institutions_unless_former_are_asked_for(staff_client, tenant, renamed):
    current = staff_client.get(f"/t/{tenant.slug}/institutions/").get_data(as_text=True)
    assert "Ministry of Industry, Science" in current and "Ministry of Industry and Handicraft" not in current
    everything = staff_client.get(f"/t/{tenant.slug}/institutions/?include_former=y").get_data(as_text=True)
    assert "Ministry of Industry and Handicraft" in everything


def test_an_institution_cannot_succeed_itself_or_loop(app, renamed):
    old, new = renamed
    with pytest.raises(DomainError):
        set_successor(new, old, date(2024, 1, 1))
    with pytest.raises(DomainError):
        set_successor(new, new, date(2024, 1, 1))
    with pytest.raises(DomainError):
        set_successor(make_institution("X", "X"), new, None)      # a successor needs the date
    db.session.rollback()
    assert reload(new.id).successor_id is None


def test_a_tenant_cannot_set_a_successor_on_the_shared_register(app, tenant, renamed):
    old, new = renamed
    with tenant_scope(tenant.id), pytest.raises(DomainError):
        set_successor(new, None, date(2025, 1, 1))
