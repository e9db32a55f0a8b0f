"""The kanban board: one column per active stage with its cards and totals, one stage at a time on
a phone (?stage=…), the stage form on every card for editors, and a number of SQL statements that
does not grow with the number of opportunities."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from core.extensions import db
from core.tenancy import tenant_scope
from plugins.consulting_crm.models import Currency, Opportunity
from tests.helpers import statements_for
from tests.plugins.consulting_crm.conftest import add_opportunity, add_organisation


def board_url(tenant, **args) -> str:
    query = "&".join(f"{name}={value}" for name, value in args.items())
    return f"/t/{tenant.slug}/consulting/opportunities/board" + (f"?{query}" if query else "")


def test_each_active_stage_is_a_column_with_its_cards_and_totals(staff_client, tenant, client_org):
    add_opportunity(tenant, "Commune budget training", client=client_org, code="qualified", value=Decimal(10000))
    add_opportunity(tenant, "Manual for one-window offices", client=client_org, code="qualified",
                    currency=Currency.KHR, value=Decimal(82000000), khr_per_usd=Decimal(4100))
    page = staff_client.get(board_url(tenant)).get_data(as_text=True)
    for name in ("Lead", "Qualified", "Proposal writing", "Submitted", "Negotiation", "Won", "Lost"):
        assert f">{name}</h2>" in page
    assert "Commune budget training" in page and "Swiss Agency for Development and Cooperation" in page
    # 10,000 + 82,000,000 / 4,100 = 30,000 USD; weighted at 25 %: 7,500.
    assert "$30,000.00" in page and "$7,500.00" in page
    assert "KHR82,000,000" in page and "≈ $20,000.00" in page
    assert 'data-stage-id="' in page and "board.js" in page and 'class="opp-move"' in page


def test_a_card_shows_the_deadline_and_the_days_left(staff_client, tenant, client_org):
    due = date.today() + timedelta(days=5)
    add_opportunity(tenant, "Youth digital rights curriculum", client=client_org, submission_due_on=due)
    page = staff_client.get(board_url(tenant)).get_data(as_text=True)
    assert "Youth digital rights curriculum" in page
    assert "days left" in page or "day left" in page


def test_one_stage_at_a_time(staff_client, tenant, client_org):
    add_opportunity(tenant, "A lead", client=client_org)
    add_opportunity(tenant, "A qualified one", client=client_org, code="qualified")
    page = staff_client.get(board_url(tenant, stage="qualified")).get_data(as_text=True)
    assert "A qualified one" in page and "A lead" not in page
    assert 'aria-current="page">Qualified' in page
    # An unknown stage shows the whole board.
    assert "A lead" in staff_client.get(board_url(tenant, stage="nope")).get_data(as_text=True)


def test_old_closed_cards_leave_the_board(staff_client, tenant, client_org):
    recent = add_opportunity(tenant, "Won last month", client=client_org, code="won")
    old = add_opportunity(tenant, "Won two years ago", client=client_org, code="won")
    with tenant_scope(tenant.id):
        db.session.get(Opportunity, recent.id).closed_on = date.today() - timedelta(days=30)
        db.session.get(Opportunity, old.id).closed_on = date.today() - timedelta(days=700)
        db.session.commit()
    page = staff_client.get(board_url(tenant)).get_data(as_text=True)
    assert "Won last month" in page and "Won two years ago" not in page


def test_the_board_costs_the_same_queries_for_3_or_30_opportunities(staff_client, tenant):
    clients = [add_organisation(tenant, f"Development partner {n}") for n in range(3)]
    for n in range(3):
        add_opportunity(tenant, f"Call {n}", client=clients[n % 3], code=["lead", "qualified", "won"][n % 3])
    staff_client.get(board_url(tenant))         # stages seeded, caches warm
    few = statements_for(staff_client, board_url(tenant))
    for n in range(3, 30):
        add_opportunity(tenant, f"Call {n}", client=clients[n % 3],
                        code=["lead", "qualified", "writing", "negotiation", "won"][n % 5])
    staff_client.get(board_url(tenant))         # the user is read again after the commits above
    many = statements_for(staff_client, board_url(tenant))
    assert many == few, f"{few} statements for 3 opportunities, {many} for 30"


def test_a_crowded_column_shows_its_first_cards_and_links_the_rest(staff_client, tenant, client_org):
    """A stage of hundreds of calls stays a page a phone can load: the soonest CARDS_SHOWN cards, the
    totals of all, and a link to the list filtered by that stage."""
    from plugins.consulting_crm.opportunities import CARDS_SHOWN
    start = date.today() + timedelta(days=1)
    for n in range(CARDS_SHOWN + 3):
        add_opportunity(tenant, f"Call number {n:02d}", client=client_org, code="qualified", value=Decimal(1000),
                        submission_due_on=start + timedelta(days=n))
    page = staff_client.get(board_url(tenant)).get_data(as_text=True)
    assert page.count('class="opp-card"') == CARDS_SHOWN
    assert f"Call number {CARDS_SHOWN - 1:02d}" in page and f"Call number {CARDS_SHOWN:02d}" not in page
    assert f'class="total-count">{CARDS_SHOWN + 3}<' in page and f"${(CARDS_SHOWN + 3) * 1000:,}.00" in page
    with tenant_scope(tenant.id):
        stage_id = db.session.query(Opportunity.stage_id).first()[0]
    assert f'href="/t/{tenant.slug}/consulting/opportunities/?stage={stage_id}">3 more in the list</a>' in page
    listed = staff_client.get(f"/t/{tenant.slug}/consulting/opportunities/?stage={stage_id}").get_data(as_text=True)
    assert f"Call number {CARDS_SHOWN + 2:02d}" in listed
