"""Finding consultants: by expertise (part of a tag), working language, availability for the whole
of a date range (periods merged when they overlap or touch) and name; the shared functions other
pages use (search_consultants, is_available, average_ratings); the list's constant query count."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.errors import DomainError
from core.extensions import db
from core.models import Role
from core.tenancy import tenant_scope
from plugins.consulting_crm import pool
from plugins.consulting_crm.models import Availability, Consultant, Rating
from tests.helpers import StatementCounter, login, make_member, statements_for
from tests.plugins.consulting_crm.conftest import add_consultant


def base(tenant) -> str:
    return f"/t/{tenant.slug}/consulting/consultants"


def available(tenant, consultant: Consultant, *periods) -> None:
    with tenant_scope(tenant.id):
        consultant = db.session.get(Consultant, consultant.id)
        for start, end in periods:
            pool.add_availability(consultant, start, end)
        db.session.commit()


def names(consultants) -> list[str]:
    return sorted(consultant.contact.name_latin for consultant in consultants)


def test_search_by_expertise_language_and_name(tenant, consultants):
    add_consultant(tenant, "Dara Chan", expertise="Gender, Budget monitoring", languages="km,fr")
    with tenant_scope(tenant.id):
        assert names(pool.search_consultants(expertise="budget")) == ["Dara Chan", "Vuthy Rith"]
        assert names(pool.search_consultants(expertise="ACCESS TO")) == ["Srey Pov"]
        assert names(pool.search_consultants(language="en")) == ["Srey Pov"]
        assert names(pool.search_consultants(language="km")) == ["Dara Chan", "Srey Pov", "Vuthy Rith"]
        assert names(pool.search_consultants(language="fr", expertise="gender")) == ["Dara Chan"]
        assert names(pool.search_consultants(q="vuthy")) == ["Vuthy Rith"]
        with pytest.raises(DomainError):
            pool.search_consultants(language="xx")


def test_availability_means_the_periods_cover_every_day_asked_for(tenant, consultants):
    srey, vuthy = consultants
    available(tenant, srey, (date(2026, 3, 1), date(2026, 3, 31)))
    available(tenant, vuthy, (date(2026, 3, 10), date(2026, 3, 20)))
    with tenant_scope(tenant.id):
        srey, vuthy = db.session.get(Consultant, srey.id), db.session.get(Consultant, vuthy.id)
        assert names(pool.search_consultants(available_from=date(2026, 3, 10), available_to=date(2026, 3, 20))) \
            == ["Srey Pov", "Vuthy Rith"]
        # Partly covered is not available.
        assert names(pool.search_consultants(available_from=date(2026, 3, 15), available_to=date(2026, 3, 25))) \
            == ["Srey Pov"]
        assert pool.search_consultants(available_from=date(2026, 3, 31), available_to=date(2026, 4, 1)) == []
        # One date alone is that day.
        assert names(pool.search_consultants(available_from=date(2026, 3, 31))) == ["Srey Pov"]
        assert pool.is_available(srey, date(2026, 3, 1), date(2026, 3, 31))
        assert not pool.is_available(vuthy, date(2026, 3, 9), date(2026, 3, 12))
        with pytest.raises(DomainError) as refused:
            pool.search_consultants(available_from=date(2026, 3, 20), available_to=date(2026, 3, 10))
        assert refused.value.field == "available_to"
        # An inactive consultant is not available, whatever their periods.
        srey.is_active = False
        db.session.flush()
        assert not pool.is_available(srey, date(2026, 3, 1), date(2026, 3, 2))
        assert pool.search_consultants(available_from=date(2026, 3, 1)) == []
        db.session.rollback()


def test_overlapping_and_touching_periods_are_merged(tenant, consultants):
    srey = consultants[0]
    available(tenant, srey, (date(2026, 5, 1), date(2026, 5, 10)), (date(2026, 5, 20), date(2026, 5, 31)))
    with tenant_scope(tenant.id):
        srey = db.session.get(Consultant, srey.id)
        assert not pool.is_available(srey, date(2026, 5, 1), date(2026, 5, 31))
        pool.add_availability(srey, date(2026, 5, 11), date(2026, 5, 19), "between two missions")
        db.session.commit()
        periods = db.session.scalars(select(Availability)).all()
        assert [(p.starts_on, p.ends_on) for p in periods] == [(date(2026, 5, 1), date(2026, 5, 31))]
        assert periods[0].note == "between two missions"
        assert names(pool.search_consultants(available_from=date(2026, 5, 1), available_to=date(2026, 5, 31))) \
            == ["Srey Pov"]
        pool.add_availability(srey, date(2026, 4, 25), date(2026, 5, 3))
        db.session.commit()
        assert [(p.starts_on, p.ends_on) for p in db.session.scalars(select(Availability))] \
            == [(date(2026, 4, 25), date(2026, 5, 31))]


def test_is_available_also_joins_periods_written_around_the_pool(tenant, consultants):
    srey = consultants[0]
    with tenant_scope(tenant.id):
        srey = db.session.get(Consultant, srey.id)
        for start, end in [(date(2026, 6, 16), date(2026, 6, 30)), (date(2026, 6, 1), date(2026, 6, 15))]:
            srey.availability.append(Availability(tenant_id=tenant.id, starts_on=start, ends_on=end))
        db.session.flush()
        assert pool.is_available(srey, date(2026, 6, 10), date(2026, 6, 20))
        assert not pool.is_available(srey, date(2026, 6, 10), date(2026, 7, 1))
        db.session.rollback()


def test_bad_periods_are_refused(tenant, consultants):
    with tenant_scope(tenant.id):
        srey = db.session.get(Consultant, consultants[0].id)
        for start, end in [(date(2026, 2, 2), date(2026, 2, 1)), (None, date(2026, 2, 1)),
                           (date(1999, 12, 31), date(2026, 1, 1)), (date(2026, 1, 1), date(2101, 1, 1))]:
            with pytest.raises(DomainError):
                pool.add_availability(srey, start, end)
        db.session.rollback()
        assert db.session.scalar(select(func.count(Availability.id))) == 0


def test_average_ratings_of_many_consultants_in_one_query(tenant, consultants):
    srey_id, vuthy_id = (consultant.id for consultant in consultants)
    with tenant_scope(tenant.id):
        for score in (5, 4, 4):
            db.session.add(Rating(tenant_id=tenant.id, consultant_id=srey_id, score=score))
        db.session.commit()
        with StatementCounter() as counter:
            averages = pool.average_ratings([srey_id, vuthy_id])
        assert counter.count == 1
        assert averages == {srey_id: pytest.approx(13 / 3)}
        assert pool.average_ratings([]) == {}


def test_the_search_page_filters_and_shows_the_rule(staff_client, tenant, consultants):
    available(tenant, consultants[1], (date(2026, 3, 10), date(2026, 3, 20)))
    html = staff_client.get(f"{base(tenant)}/?available_from=2026-03-12&available_to=2026-03-14").get_data(
        as_text=True)
    assert "Vuthy Rith" in html and "Srey Pov" not in html and "1 consultant" in html
    assert "cover every day" in html
    html = staff_client.get(f"{base(tenant)}/?language=en&expertise=training").get_data(as_text=True)
    assert "Srey Pov" in html and "Vuthy Rith" not in html
    html = staff_client.get(f"{base(tenant)}/?q=srey").get_data(as_text=True)
    assert "Srey Pov" in html and "Vuthy Rith" not in html


def test_a_search_with_bad_dates_is_refused_with_a_message(staff_client, tenant, consultants):
    response = staff_client.get(f"{base(tenant)}/?available_from=2026-03-20&available_to=2026-03-10")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The last day cannot be before the first day." in html and "Srey Pov" not in html
    response = staff_client.get(f"{base(tenant)}/?available_from=someday&language=xx")
    assert response.status_code == 422 and "Srey Pov" not in response.get_data(as_text=True)


def test_the_list_costs_the_same_queries_for_2_or_40_consultants(client, tenant, consultants):
    admin = make_member(tenant, Role.ADMIN)
    login(client, admin.email)
    url = f"{base(tenant)}/?language=km&available_from=2026-03-01&available_to=2026-03-05"
    for consultant in consultants:
        available(tenant, consultant, (date(2026, 1, 1), date(2026, 12, 31)))
    with tenant_scope(tenant.id):
        db.session.add(Rating(tenant_id=tenant.id, consultant_id=consultants[0].id, score=5))
        db.session.commit()
    db.session.commit()
    small = statements_for(client, url)
    for number in range(38):
        consultant = add_consultant(tenant, f"Consultant {number:02d}", day_rate=Decimal(100 + number))
        available(tenant, consultant, (date(2026, 2, 1), date(2026, 6, 30)))
        with tenant_scope(tenant.id):
            db.session.add(Rating(tenant_id=tenant.id, consultant_id=consultant.id, score=3))
            db.session.commit()
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert "40 consultants" in html and "3.0 out of 5" in html and "5.0 out of 5" in html
    db.session.commit()
    assert statements_for(client, url) == small
