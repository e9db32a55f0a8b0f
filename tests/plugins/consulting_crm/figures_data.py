"""Hand-built data for the pipeline figures tests, small enough to count by hand (the counts are in
the comments of test_figures_hand_count.py). Stages are the default list: lead 10 %, qualified 25 %,
proposal writing 40 %, submitted 50 %, negotiation 75 %, won 100 %, lost 0 %.

Open opportunities (pipeline):
  O1 qualified, USD 40,000 × 25 %, expected start 2026-03-10, owner: the given user  → 10,000
  O2 writing, KHR 82,000,000 at 4,100 = USD 20,000 × 40 %, no start, submission 2026-03-25 → 8,000
  O3 negotiation, USD 12,000 × 60 % (recorded probability), expected start 2026-05-01 → 7,200
  O4 lead, no value (left out of the pipeline)
  O5 lead, USD 5,000 × 10 %, no date → 500
Closed: W1 won USD 20,000 (2026-02-15), W2 won KHR 41,000,000 at 4,100 = USD 10,000 (2026-06-30),
  L1 lost USD 70,000 (2026-04-01), L2 lost USD 99,000 (2025-11-20).
Engagements: E1 (W1, USD 20,000, 2026, development partner), E2 (W2, KHR 41,000,000 at 4,100, 2026,
  NGO, delivered), E3 cancelled USD 5,000 (2026), E4 USD 8,000 (2025, institution, closed).
Invoices: I1 E1 issued 2026-04-10 (12 × 250 + 455.55), I2 E2 paid 2026-10-01 KHR 20,500,000 at 4,100,
  I3 E1 draft, I4 E1 cancelled, I5 E4 paid 2025-06-01 USD 8,000."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from core.extensions import db
from core.tenancy import tenant_scope
from plugins.consulting_crm import services
from plugins.consulting_crm.models import (Assignment, ClientType, Currency, Deliverable, DeliverableStatus,
                                           Engagement, EngagementStatus, Invoice, InvoiceStatus, Opportunity,
                                           Payment, StageMove, TimesheetLine)
from tests.plugins.consulting_crm.conftest import add_consultant, add_organisation, stage

# "Now" for the stays still going on: the open ones' current stage ends here.
NOW = datetime(2026, 7, 10, 12, 0, tzinfo=UTC)


def at(year, month, day, hour=0) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


@dataclass
class Built:
    opportunities: dict
    engagements: dict
    invoices: dict
    clients: dict


def opportunity(tenant, title, code, *, value=None, currency=Currency.USD, rate=None, probability=None,
                expected=None, submission=None, client=None, owner=None, created=None, closed_on=None,
                reference="") -> Opportunity:
    row = stage(tenant, code)
    created = created or at(2026, 6, 30, 12)
    record = Opportunity(tenant_id=tenant.id, title=title, stage_id=row.id, currency=currency, estimated_value=value,
                         khr_per_usd=rate, probability=row.default_probability if probability is None else probability,
                         expected_start_on=expected, submission_due_on=submission,
                         client_id=client.id if client else None, owner_id=owner.id if owner else None,
                         created_at=created, stage_entered_at=created, closed_on=closed_on,
                         lost_reason="Went to a larger consortium" if code == "lost" else "",
                         call_reference=reference)
    db.session.add(record)
    db.session.flush()
    return record


def move(tenant, record: Opportunity, from_code: str, to_code: str, when: datetime) -> None:
    db.session.add(StageMove(tenant_id=tenant.id, opportunity_id=record.id, from_stage_id=stage(tenant, from_code).id,
                             to_stage_id=stage(tenant, to_code).id, moved_at=when))
    record.stage_entered_at = when


def build(tenant, owner=None) -> Built:
    clients = {"partner": add_organisation(tenant, "Swiss Agency for Development and Cooperation"),
               "ngo": add_organisation(tenant, "Kampot NGO Forum", client_type=ClientType.NGO),
               "institution": add_organisation(tenant, "Ministry of Information", client_type=ClientType.INSTITUTION)}
    pool = [add_consultant(tenant, "Srey Pov"), add_consultant(tenant, "Vuthy Rith", day_rate=Decimal("180"))]
    with tenant_scope(tenant.id):
        o = {}
        o["O1"] = opportunity(tenant, "Budget literacy manual update", "qualified", value=Decimal("40000"),
                              expected=date(2026, 3, 10), client=clients["partner"], owner=owner,
                              reference="SDC-CfP-2026-04")
        o["O2"] = opportunity(tenant, "Commune council training", "writing", value=Decimal("82000000"),
                              currency=Currency.KHR, rate=Decimal("4100"), submission=date(2026, 3, 25),
                              client=clients["ngo"])
        o["O3"] = opportunity(tenant, "Access to information study", "negotiation", value=Decimal("12000"),
                              probability=60, expected=date(2026, 5, 1), client=clients["institution"],
                              created=at(2026, 1, 1))
        o["O4"] = opportunity(tenant, "Open budget index", "lead")
        o["O5"] = opportunity(tenant, "Small request without dates", "lead", value=Decimal("5000"))
        o["W1"] = opportunity(tenant, "Digital rights curriculum", "won", value=Decimal("20000"),
                              client=clients["partner"], created=at(2026, 1, 5), closed_on=date(2026, 2, 15))
        o["W2"] = opportunity(tenant, "Youth e-governance", "won", value=Decimal("41000000"), currency=Currency.KHR,
                              rate=Decimal("4100"), client=clients["ngo"], closed_on=date(2026, 6, 30))
        o["L1"] = opportunity(tenant, "Large consortium bid", "lost", value=Decimal("70000"),
                              client=clients["partner"], created=at(2026, 3, 1), closed_on=date(2026, 4, 1))
        o["L2"] = opportunity(tenant, "Last year's loss", "lost", value=Decimal("99000"),
                              client=clients["partner"], created=at(2025, 10, 1), closed_on=date(2025, 11, 20))
        # O3: lead 10 days, qualified 20, writing 10.5, submitted 140, negotiation 10 (to NOW).
        move(tenant, o["O3"], "lead", "qualified", at(2026, 1, 11))
        move(tenant, o["O3"], "qualified", "writing", at(2026, 1, 31))
        move(tenant, o["O3"], "writing", "submitted", at(2026, 2, 10, 12))
        move(tenant, o["O3"], "submitted", "negotiation", at(2026, 6, 30, 12))
        # W1: lead 20 days, writing 21 days, then won (not a stay).
        move(tenant, o["W1"], "lead", "writing", at(2026, 1, 25))
        move(tenant, o["W1"], "writing", "won", at(2026, 2, 15))
        # L1: submitted 31 days, then lost.
        move(tenant, o["L1"], "submitted", "lost", at(2026, 4, 1))
        # L2 was in lead in 2025 (a stay outside 2026): 10 days.
        move(tenant, o["L2"], "lead", "lost", at(2025, 10, 11))

        e = {}
        e["E1"] = Engagement(tenant_id=tenant.id, opportunity_id=o["W1"].id, client_id=clients["partner"].id,
                             title="Digital rights curriculum", contract_reference="SDC-2026-118",
                             currency=Currency.USD, contract_value=Decimal("20000"), starts_on=date(2026, 3, 1),
                             ends_on=date(2026, 12, 31))
        e["E2"] = Engagement(tenant_id=tenant.id, opportunity_id=o["W2"].id, client_id=clients["ngo"].id,
                             title="Youth e-governance", currency=Currency.KHR, contract_value=Decimal("41000000"),
                             khr_per_usd=Decimal("4100"), starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30),
                             status=EngagementStatus.DELIVERED)
        e["E3"] = Engagement(tenant_id=tenant.id, client_id=clients["partner"].id, title="Cancelled workshop",
                             currency=Currency.USD, contract_value=Decimal("5000"), starts_on=date(2026, 5, 1),
                             status=EngagementStatus.CANCELLED)
        e["E4"] = Engagement(tenant_id=tenant.id, client_id=clients["institution"].id, title="Manual printing 2025",
                             currency=Currency.USD, contract_value=Decimal("8000"), starts_on=date(2025, 5, 1),
                             ends_on=date(2025, 10, 31), status=EngagementStatus.CLOSED)
        db.session.add_all(e.values())
        db.session.flush()
        db.session.add(Deliverable(tenant_id=tenant.id, engagement_id=e["E2"].id, title="Final report",
                                   due_on=date(2026, 9, 10), status=DeliverableStatus.ACCEPTED,
                                   accepted_on=date(2026, 9, 15)))
        pov = Assignment(tenant_id=tenant.id, engagement_id=e["E1"].id, consultant_id=pool[0].id,
                         planned_days=Decimal("30"), day_rate=Decimal("250"))
        rith = Assignment(tenant_id=tenant.id, engagement_id=e["E1"].id, consultant_id=pool[1].id,
                          planned_days=Decimal("20"), day_rate=Decimal("180"))
        pov_khr = Assignment(tenant_id=tenant.id, engagement_id=e["E2"].id, consultant_id=pool[0].id,
                             planned_days=Decimal("10"), day_rate=Decimal("820000"))
        db.session.add_all([pov, rith, pov_khr])
        db.session.flush()
        for assignment, worked_on, days, expense in [
                (pov, date(2026, 3, 10), "12", "450.50"), (pov, date(2026, 4, 10), "10.5", "0"),
                (rith, date(2026, 3, 12), "15", "300"), (pov_khr, date(2026, 7, 20), "8", "410000")]:
            db.session.add(TimesheetLine(tenant_id=tenant.id, engagement_id=assignment.engagement_id,
                                         assignment_id=assignment.id, worked_on=worked_on, days=Decimal(days),
                                         expense_amount=Decimal(expense)))

        i = {}
        totals = services.invoice_totals([(Decimal("12"), Decimal("250")), (Decimal("1"), Decimal("455.55"))],
                                         Decimal("10"), Decimal("15"))
        i["I1"] = invoice(tenant, e["E1"], "INV-0001", InvoiceStatus.ISSUED, date(2026, 4, 10), totals,
                          due_on=date(2026, 5, 10))
        khr = services.invoice_totals([(Decimal("1"), Decimal("20500000"))], Decimal("10"), Decimal("0"))
        i["I2"] = invoice(tenant, e["E2"], "INV-0002", InvoiceStatus.PAID, date(2026, 10, 1), khr,
                          currency=Currency.KHR, rate=Decimal("4100"))
        one = services.invoice_totals([(Decimal("1"), Decimal("1000"))], Decimal("10"), Decimal("0"))
        i["I3"] = invoice(tenant, e["E1"], None, InvoiceStatus.DRAFT, None, one)
        two = services.invoice_totals([(Decimal("1"), Decimal("2000"))], Decimal("10"), Decimal("0"))
        i["I4"] = invoice(tenant, e["E1"], "INV-0003", InvoiceStatus.CANCELLED, date(2026, 5, 1), two)
        eight = services.invoice_totals([(Decimal("1"), Decimal("8000"))], Decimal("10"), Decimal("0"))
        i["I5"] = invoice(tenant, e["E4"], "INV-2025-9", InvoiceStatus.PAID, date(2025, 6, 1), eight)
        db.session.add(Payment(tenant_id=tenant.id, invoice_id=i["I1"].id, paid_on=date(2026, 5, 2),
                               amount=Decimal("1000")))
        db.session.commit()
    return Built(o, e, i, clients)


def invoice(tenant, engagement, number, status, issued_on, totals, *, due_on=None, currency=Currency.USD,
            rate=None) -> Invoice:
    record = Invoice(tenant_id=tenant.id, engagement_id=engagement.id, number=number, status=status,
                     issued_on=issued_on, due_on=due_on, currency=currency, khr_per_usd=rate,
                     buyer_name="Swiss Agency for Development and Cooperation", subtotal=totals.subtotal,
                     vat_amount=totals.vat_amount, withholding_amount=totals.withholding_amount, total=totals.total,
                     amount_due=totals.amount_due)
    db.session.add(record)
    db.session.flush()
    return record
