"""Benchmark data at network scale: tenants, users with memberships, A2I requests with their workflow
events and correspondence, the core registers (the gazetteer and the shared institutions register as
`flask init` loads them, contacts, affiliations, projects) and millions of hash-chained audit events.

    python -m bench.seed [--database-url URL] [--tenants 50] [--users 5000] [--requests 200000]
                         [--audit-events 2000000] [--seed 42] [--scale 1.0] [--drop]

Rows are written with SQLAlchemy Core (executemany in batches) or, on PostgreSQL, COPY, bypassing the
ORM's audit listeners; audit rows are hashed here with core.audit.event_digest so `flask audit verify`
accepts the chains. The same seed and --today give the same data.

Registers (issue #10): every request's requester is a person contact of its tenant (Latin name, often
a Khmer one, match keys as core.registers.contacts.refresh_match_keys sets them, sex, age group, a
commune of residence for most, 5% protected). Each tenant also has organisation contacts (about one per
66 requests in the large tenant: 3,000 at scale 1.0) of which 10% of the people are members, and
projects (60 in the large tenant) funded by its development partners. These use their own random
generator, so the requests are the same as without them.

The modules (issue 16, bench/seed_modules.py): in the large tenant, the training registry (1,500 courses,
~33,000 enrolments, ~94,000 attendance rows at scale 1.0), the consulting CRM (3,000 opportunities through
the stages, proposals) and the policy tracker (400 laws with stage histories, 60 campaigns), drawn from
their own generator after the requests: everything above is unchanged for the same seed. Participants,
trainers, consultants and clients are existing contacts; audit events are not written for them.

How workflow columns are filled (simple consistent rules, the draft law's default periods, national
holidays from core.workdays.WorkingCalendar, no closure days, no clarification pauses):
- submitted_on is spread uniformly over the 3 years before --today; clock_start_on = submitted_on.
- while the body has not replied, status is `submitted` and due_on = 5 working days after receipt;
- an initial reply ("held", no fee) moves it to `initial_reply`, due 15 working days after the reply;
  10% of those are `extended`, due 40 working days after receipt (the cap);
- the answer (full/part/refused/not held/transferred) sets outcome, answered_on, working_days_to_answer
  and on_time = answered_on <= the due date in force; due_on is then NULL (nothing owed);
- 15% of bodies never reply: such requests become `no_response` a few days after their due date;
- older answers are often `closed`; some refusals/part answers/no responses are `complained`,
  and older complaints `complaint_decided`; 3% are drafts and 3% withdrawn.
"""
from __future__ import annotations

import argparse
import enum
import json
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from datetime import date, datetime, time as dtime, timedelta, timezone
from typing import Any, Iterable, Iterator

LARGE_SLUG = "bench-large"
BENCH_EMAIL = "bench@samaki.test"
BENCH_PASSWORD = "bench-password"
BATCH = 5000
SPAN_DAYS = 3 * 365
MODULE_PREFIXES = ("training_", "consulting_", "policy_")   # the tables bench.seed_modules writes


# --- sizes --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sizes:
    """How many rows of each kind; `requests` are the large tenant's, the others get 2% more in all."""

    tenants: int
    users: int
    requests: int
    other_requests: int
    audit_events: int

    @classmethod
    def scaled(cls, tenants: int, users: int, requests: int, audit_events: int, scale: float) -> "Sizes":
        n_tenants = max(2, round(tenants * scale))
        return cls(tenants=n_tenants, users=max(2 * n_tenants, round(users * scale)),
                   requests=max(20, round(requests * scale)),
                   other_requests=max(n_tenants - 1, round(requests * scale * 0.02)),
                   audit_events=max(200, round(audit_events * scale)))

    @property
    def large_users(self) -> int:
        """Members of the large tenant: 4% of all users (200 by default)."""
        return max(2, round(self.users * 0.04))

    @property
    def organisations(self) -> int:
        """Organisation contacts of the large tenant (3,000 at scale 1.0); other tenants get 2% of it."""
        return max(5, self.requests * 3 // 200)

    @property
    def projects(self) -> int:
        """Projects of the large tenant (60 at scale 0.12 and above); other tenants get a tenth."""
        return max(3, min(60, self.requests // 400))

    @property
    def large_audit_share(self) -> float:
        return self.requests / (self.requests + self.other_requests)


# --- progress -----------------------------------------------------------------------------------

class Progress:
    """tqdm when installed, else a percentage printed every 10%."""

    def __init__(self, total: int, label: str):
        self.total, self.label, self.done, self._shown = max(total, 1), label, 0, -1
        try:
            from tqdm import tqdm
            self._bar = tqdm(total=total, desc=label, unit="row", unit_scale=True, file=sys.stderr)
        except ImportError:
            self._bar = None

    def update(self, n: int) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
            return
        tenth = min(10, self.done * 10 // self.total)
        if tenth != self._shown:
            self._shown = tenth
            print(f"  {self.label}: {tenth * 10}%", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


# --- writing rows -------------------------------------------------------------------------------

class RowWriter:
    """Buffers rows per table and writes them in batches: COPY on PostgreSQL, executemany elsewhere.
    Column defaults of the models are filled in here because COPY does not apply them."""

    def __init__(self, connection, metadata, batch: int = BATCH):
        self.connection, self.metadata, self.batch = connection, metadata, batch
        self.is_postgres = connection.dialect.name == "postgresql"
        self.buffers: dict[str, list[dict]] = {}
        self.counts: dict[str, int] = {}
        self.progress: dict[str, Progress] = {}

    def _defaults(self, table, row: dict) -> dict:
        for column in table.columns:
            if column.name in row or column.primary_key:
                continue
            default = column.default
            if default is None:
                row[column.name] = None
            elif default.is_callable:
                row[column.name] = default.arg(None)
            else:
                row[column.name] = default.arg
            if isinstance(row[column.name], enum.Enum):    # COPY writes what an enum column stores
                row[column.name] = row[column.name].value
        return row

    def add(self, table_name: str, row: dict) -> None:
        buffer = self.buffers.setdefault(table_name, [])
        buffer.append(row)
        if len(buffer) >= self.batch:
            for name in list(self.buffers):   # parents first: tables were first seen in that order
                self.flush(name)

    def flush(self, table_name: str) -> None:
        rows = self.buffers.get(table_name)
        if not rows:
            return
        table = self.metadata.tables[table_name]
        first = self._defaults(table, dict(rows[0]))
        columns = list(first)
        if self.is_postgres:
            self._copy(table, columns, rows)
        else:
            filled = [self._defaults(table, row) for row in rows]
            self.connection.execute(table.insert(), filled)
        self.counts[table_name] = self.counts.get(table_name, 0) + len(rows)
        if table_name in self.progress:
            self.progress[table_name].update(len(rows))
        rows.clear()

    def _copy(self, table, columns: list[str], rows: list[dict]) -> None:
        json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        raw = self.connection.connection.driver_connection
        names = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cursor, cursor.copy(f'COPY {table.name} ({names}) FROM STDIN') as copy:
            for row in rows:
                row = self._defaults(table, row)
                copy.write_row([json.dumps(row[c], ensure_ascii=False) if c in json_columns else row[c]
                                for c in columns])

    def close(self) -> None:
        for name in list(self.buffers):
            self.flush(name)
        for bar in self.progress.values():
            bar.close()


# --- working days (cached: only ~1,100 distinct dates occur) ------------------------------------

class Days:
    def __init__(self):
        from core.workdays import WorkingCalendar
        self.calendar = WorkingCalendar()
        self._add: dict[tuple[date, int], date] = {}
        self._between: dict[tuple[date, date], int] = {}

    def add(self, start: date, n: int) -> date:
        key = (start, n)
        if key not in self._add:
            self._add[key] = self.calendar.add_working_days(start, n)
        return self._add[key]

    def between(self, start: date, end: date) -> int:
        key = (start, end)
        if key not in self._between:
            self._between[key] = self.calendar.working_days_between(start, end)
        return self._between[key]


# --- text ---------------------------------------------------------------------------------------

TOPICS = ["land concession", "commune budget", "school construction", "health centre staffing", "road repair",
          "forest permit", "fishing lot", "water supply", "electricity tariff", "market fees", "garment factory inspection",
          "mining licence", "resettlement plan", "flood relief", "public procurement", "sand dredging",
          "environmental impact assessment", "village development plan", "social land concession", "hydropower dam"]
TOPICS_KM = ["ដីសម្បទាន", "ថវិកាឃុំ", "ការសាងសង់សាលារៀន", "មណ្ឌលសុខភាព", "ការជួសជុលផ្លូវ", "ការផ្គត់ផ្គង់ទឹក"]
PLACES = ["Phnom Penh", "Siem Reap", "Battambang", "Kampong Cham", "Kampot", "Koh Kong", "Mondulkiri", "Ratanakiri",
          "Stung Treng", "Kratie", "Takeo", "Prey Veng", "Svay Rieng", "Pursat", "Kampong Speu"]
TAGS = ["land", "budget", "education", "health", "environment", "labour", "procurement", "youth", "women", "water"]
FIRST = ["Sokha", "Dara", "Channa", "Sophea", "Vanna", "Bopha", "Rithy", "Srey", "Pisey", "Kosal", "Nary", "Vibol"]
LAST = ["Chan", "Sok", "Kim", "Meas", "Heng", "Ly", "Chea", "Phan", "Nguon", "Prak", "Seng", "Touch"]
# The same names in Khmer script (surname first, as written in Khmer).
FIRST_KM = dict(zip(FIRST, ["សុខា", "ដារា", "ចន្នា", "សុភា", "វណ្ណា", "បុប្ផា", "ឫទ្ធី", "ស្រី", "ពិសី", "កុសល", "នារី",
                            "វិបុល"]))
LAST_KM = dict(zip(LAST, ["ចាន់", "សុខ", "គីម", "មាស", "ហេង", "លី", "ជា", "ផាន", "ងួន", "ប្រាក់", "សេង", "ទូច"]))
ORGANISATION_WORDS = [("Community Fisheries", "សហគមន៍នេសាទ", "cbo"), ("Women's Network", "បណ្តាញស្ត្រី", "cso"),
                      ("Youth Association", "សមាគមយុវជន", "cso"), ("Farmers' Cooperative", "សហករណ៍កសិករ", "cbo"),
                      ("Development Partner", "ដៃគូអភិវឌ្ឍន៍", "development_partner"),
                      ("Radio", "វិទ្យុ", "media"), ("Trading Company", "ក្រុមហ៊ុនពាណិជ្ជកម្ម", "company"),
                      ("University", "សាកលវិទ្យាល័យ", "academic"), ("Forest Community", "សហគមន៍ព្រៃឈើ", "cbo")]
ROLES = ["member", "staff", "volunteer", "chair", "focal point", "treasurer"]
OUTCOMES = [("answered_full", 45), ("answered_part", 20), ("refused", 15), ("not_held", 12), ("transferred", 8)]
GROUNDS = ["national_security", "economic_interest", "personal_privacy", "investigation_or_court",
           "commercial_secrets", "internal_deliberation", "other"]


def weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


# --- the seed -----------------------------------------------------------------------------------

@dataclass
class TenantPlan:
    id: int
    slug: str
    requests: int
    audit_events: int
    member_ids: list[int]
    member_emails: dict[int, str]


class Seeder:
    def __init__(self, sizes: Sizes, seed: int, today: date):
        self.sizes, self.seed, self.today = sizes, seed, today
        self.rng = random.Random(seed)
        self.start = today - timedelta(days=SPAN_DAYS)
        self.days = Days()
        self.ids: dict[str, int] = {}
        # Registers draw from their own generator: the requests stay what they were without them.
        self.rng_registers = random.Random(seed * 7919 + 1)
        self.commune_ids: list[int] = []
        self.organisation_ids: dict[int, list[int]] = {}
        # The modules (training, consulting, policy) too: what existed before them is unchanged.
        self.rng_modules = random.Random(seed * 104_729 + 3)
        self.person_ids: dict[int, list[int]] = {}      # tenant id -> its person contacts (not protected)
        self.project_ids: dict[int, list[int]] = {}

    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    def stamp(self, day: date, rng: random.Random) -> datetime:
        """A moment in Phnom Penh office hours on `day`, as aware UTC."""
        seconds = rng.randrange(1 * 3600, 10 * 3600)   # 08:00-17:00 ICT is 01:00-10:00 UTC
        return datetime.combine(day, dtime(), tzinfo=timezone.utc) + timedelta(seconds=seconds,
                                                                                microseconds=rng.randrange(10**6))

    # -- tenants, users, memberships ----------------------------------------------------------
    def plan_tenants(self) -> list[TenantPlan]:
        s = self.sizes
        others = s.tenants - 1
        base, extra = divmod(s.other_requests, others)
        other_audit = s.audit_events - round(s.audit_events * s.large_audit_share)
        abase, aextra = divmod(other_audit, others)
        plans = [TenantPlan(1, LARGE_SLUG, s.requests, s.audit_events - other_audit, [], {})]
        for i in range(others):
            plans.append(TenantPlan(i + 2, f"bench-{i + 2:02d}", base + (1 if i < extra else 0),
                                    abase + (1 if i < aextra else 0), [], {}))
        return plans

    def write_people(self, writer: RowWriter, plans: list[TenantPlan], password_hash: str) -> None:
        now = datetime.now(timezone.utc)
        for plan in plans:
            name = "Bench network (large)" if plan.slug == LARGE_SLUG else f"Bench CSO {plan.id:02d}"
            writer.add("core_tenant", dict(id=plan.id, slug=plan.slug, name=name,
                                           default_locale="km" if plan.id % 2 else "en",
                                           timezone="Asia/Phnom_Penh", is_active=True, created_at=now))
            writer.add("a2i_deadline_rules", dict(id=plan.id, tenant_id=plan.id, **{
                "initial_reply_days": 5, "initial_reply_working": True, "information_days": 15,
                "information_working": True, "extension_cap_days": 40, "extension_cap_working": True}))
        from plugins.a2i_requests.services import default_exemption_grounds
        for plan in plans:
            for code, label_en, label_km in default_exemption_grounds():
                writer.add("a2i_exemption_ground", dict(id=self.next_id("ground"), tenant_id=plan.id, code=code,
                                                        label_en=label_en, label_km=label_km, is_active=True))
        rng = self.rng
        large, rest = plans[0], plans[1:]
        for user_id in range(1, self.sizes.users + 1):
            if user_id == 1:
                email, name = BENCH_EMAIL, "Bench Owner"
            else:
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                email = f"user{user_id:05d}@bench.samaki.test"
            writer.add("core_user", dict(id=user_id, email=email, name=name, password_hash=password_hash,
                                         locale=None, is_active=True, is_superadmin=False, created_at=now))
            homes = [large] if user_id <= self.sizes.large_users else [rest[(user_id - 1) % len(rest)]]
            if user_id > self.sizes.large_users and rng.random() < 0.1:   # some staff work for two CSOs
                second = rng.choice(plans)
                if second is not homes[0]:
                    homes.append(second)
            for plan in homes:
                role = "owner" if user_id == 1 or not plan.member_ids else weighted(
                    rng, [("admin", 5), ("staff", 75), ("member", 10), ("viewer", 10)])
                writer.add("core_membership", dict(id=self.next_id("membership"), user_id=user_id,
                                                   tenant_id=plan.id, role=role, is_active=True, created_at=now))
                plan.member_ids.append(user_id)
                plan.member_emails[user_id] = email

    # -- registers: organisations and projects ----------------------------------------------
    def write_registers(self, writer: RowWriter, plans: list[TenantPlan]) -> None:
        """Organisation contacts and projects of every tenant (before the requests' person contacts)."""
        from core.registers import matching
        rng = self.rng_registers
        for plan in plans:
            large = plan.slug == LARGE_SLUG
            count = self.sizes.organisations if large else max(1, self.sizes.organisations // 50)
            ids = self.organisation_ids.setdefault(plan.id, [])
            donors = []
            for n in range(1, count + 1):
                word, word_km, kind = rng.choice(ORGANISATION_WORDS)
                place = rng.choice(PLACES)
                name, name_km = f"{word} {place} {n}", f"{word_km} {n}" if rng.random() < 0.6 else ""
                contact_id = self.next_id("contact")
                phone = f"0{rng.randrange(10**8, 10**9)}" if rng.random() < 0.7 else ""
                writer.add("core_contact", dict(
                    id=contact_id, tenant_id=plan.id, kind="organisation", name_latin=name, name_km=name_km,
                    phone=phone, email=f"info{contact_id}@org.bench.test" if rng.random() < 0.5 else "",
                    match_name=matching.name_key(name_km, name), match_latin=matching.latin_name_key(name),
                    match_phone=matching.phone_key(phone), organisation_type=kind, sex="not_recorded",
                    age_group="not_recorded", place_id=rng.choice(self.commune_ids) if self.commune_ids else None,
                    protected=False, created_at=self.stamp(self.start + timedelta(days=rng.randrange(SPAN_DAYS)),
                                                           rng)))
                ids.append(contact_id)
                if kind == "development_partner":
                    donors.append(contact_id)
            projects = self.sizes.projects if large else max(1, self.sizes.projects // 10)
            for n in range(1, projects + 1):
                topic = rng.choice(TOPICS)
                starts = self.start + timedelta(days=rng.randrange(SPAN_DAYS))
                ends = starts + timedelta(days=rng.choice([365, 730, 1095]))
                project_id = self.next_id("project")
                self.project_ids.setdefault(plan.id, []).append(project_id)
                writer.add("core_project", dict(
                    id=project_id, tenant_id=plan.id, code=f"P-{starts.year}-{n:03d}",
                    title_en=f"{topic.capitalize()} monitoring in {rng.choice(PLACES)}",
                    title_km=rng.choice(TOPICS_KM) if rng.random() < 0.5 else "",
                    donor_id=rng.choice(donors) if donors and rng.random() < 0.8 else None,
                    starts_on=starts, ends_on=ends, budget=f"{rng.randrange(5, 500) * 1000}.00",
                    currency=weighted(rng, [("USD", 85), ("KHR", 15)]),
                    status="closed" if ends < self.today else weighted(rng, [("active", 85), ("planned", 15)]),
                    description="", created_at=self.stamp(starts, rng)))

    # -- requests ---------------------------------------------------------------------------
    def write_requests(self, writer: RowWriter, plans: list[TenantPlan], body_ids: list[int]) -> None:
        rng = self.rng
        counters: dict[tuple[int, int], int] = {}
        for plan in plans:
            submitted = sorted(self.start + timedelta(days=rng.randrange(SPAN_DAYS + 1))
                               for _ in range(plan.requests))
            for day in submitted:
                self.write_request(writer, plan, day, body_ids, counters)
        for (tenant_id, year), last in counters.items():
            writer.add("a2i_request_counter", dict(id=self.next_id("counter"), tenant_id=tenant_id, year=year,
                                                   last_number=last))

    def write_requester(self, writer: RowWriter, plan: TenantPlan, day: date) -> int:
        """The request's requester as a person contact of the tenant (written before the request)."""
        from core.registers import matching
        rng, extra = self.rng, self.rng_registers
        contact_id = self.next_id("contact")
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first} {last}"
        name_km = f"{LAST_KM[last]} {FIRST_KM[first]}" if extra.random() < 0.6 else ""
        phone = f"0{rng.randrange(10**8, 10**9)}"
        sex = weighted(rng, [("female", 45), ("male", 45), ("other", 2), ("not_recorded", 8)])
        age_group = weighted(rng, [("under_18", 3), ("18_30", 40), ("31_59", 45), ("60_plus", 7), ("not_recorded", 5)])
        protected = rng.random() < 0.05
        minor = age_group == "under_18"
        writer.add("core_contact", dict(
            id=contact_id, tenant_id=plan.id, kind="person", name_latin=name, name_km=name_km, phone=phone,
            email=f"{first.lower()}.{last.lower()}{contact_id}@mail.bench.test" if extra.random() < 0.2 else "",
            match_name=matching.name_key(name_km, name), match_latin=matching.latin_name_key(name),
            match_phone=matching.phone_key(phone), sex=sex, age_group=age_group,
            place_id=extra.choice(self.commune_ids) if self.commune_ids and extra.random() < 0.8 else None,
            languages="km", protected=protected, consent_scope="A2I request", consent_on=day,
            consent_method="written" if extra.random() < 0.7 else "verbal", guardian_consent=minor,
            created_at=self.stamp(day, rng)))
        if not protected:
            self.person_ids.setdefault(plan.id, []).append(contact_id)
        organisations = self.organisation_ids.get(plan.id)
        if organisations and extra.random() < 0.1:
            writer.add("core_contact_affiliation", dict(
                id=self.next_id("affiliation"), tenant_id=plan.id, person_id=contact_id,
                organisation_id=extra.choice(organisations), role=extra.choice(ROLES)))
        return contact_id

    def write_request(self, writer: RowWriter, plan: TenantPlan, day: date, body_ids: list[int],
                      counters: dict) -> None:
        rng, days, today = self.rng, self.days, self.today
        request_id = self.next_id("request")
        number = counters[(plan.id, day.year)] = counters.get((plan.id, day.year), 0) + 1
        actor = rng.choice(plan.member_ids)
        topic = rng.choice(TOPICS_KM) if rng.random() < 0.2 else rng.choice(TOPICS)
        place = rng.choice(PLACES)
        row: dict[str, Any] = dict(
            id=request_id, tenant_id=plan.id, reference=f"A2I-{day.year}-{number:04d}",
            subject=f"{topic.capitalize()} in {place}"[:200],
            question=(f"Please provide the documents on the {topic} in {place}, including decisions, "
                      f"budgets and the list of affected households, for {day.year}."),
            body_id=rng.choice(body_ids), channel=weighted(rng, [("letter", 60), ("email", 20), ("in_person", 10),
                                                                  ("online", 5), ("phone", 5)]),
            status="draft", tags=", ".join(rng.sample(TAGS, rng.randrange(0, 3))),
            assignee_id=actor if rng.random() < 0.9 else None,
            requester_contact_id=self.write_requester(writer, plan, day), receipt_number="", submitted_on=None, clock_start_on=None,
            initial_reply=None, initial_reply_on=None, fee_amount="", fee_accepted_on=None, fee_waived=False,
            extension_reason="", extended_to=None, paused_from=None, clock_paused_on=None, due_on=None,
            due_rule=None, outcome=None, answered_on=None, working_days_to_answer=None, on_time=None,
            was_extended=False, was_transferred=False, transferred_to_id=None, exemption_ground_code="",
            complained=False, complaint_outcome=None, disclosed_summary="", closed_on=None, published_at=None)
        events: list[tuple[date, str | None, str, dict]] = []
        letters: list[tuple[date, str, str]] = []

        def move(on: date, to: str, details: dict | None = None) -> None:
            events.append((on, row["status"], to, details or {}))
            row["status"] = to

        created = self.stamp(day, rng)
        if rng.random() < 0.03:                              # still a draft
            self._emit(writer, plan, row, events, letters, created, actor)
            return
        row.update(submitted_on=day, clock_start_on=day, receipt_number=f"R-{plan.id}-{request_id}")
        move(day, "submitted", {"receipt_number": row["receipt_number"]})
        letters.append((day, "outgoing", "letter"))
        due = days.add(day, 5)
        row.update(due_on=due, due_rule="initial_reply")
        if rng.random() < 0.03:                              # withdrawn by the requester
            on = days.add(day, rng.randrange(1, 10))
            if on <= today:
                move(on, "withdrawn")
                row.update(due_on=None, due_rule=None, closed_on=on)
            self._emit(writer, plan, row, events, letters, created, actor)
            return
        if rng.random() < 0.15:                              # the body never replies
            on = due + timedelta(days=rng.randrange(1, 21))
            if on < today:
                move(on, "no_response")
                row.update(outcome="no_response", on_time=False, due_on=None, due_rule=None)
                self._remedies(row, on, move)
            self._emit(writer, plan, row, events, letters, created, actor)
            return
        if rng.random() < 0.6:                               # written initial reply first
            reply_on = days.add(day, rng.randrange(1, 8))
            if reply_on > today:
                self._emit(writer, plan, row, events, letters, created, actor)
                return
            move(reply_on, "initial_reply", {"initial_reply": "held"})
            letters.append((reply_on, "incoming", "letter"))
            due = days.add(reply_on, 15)
            row.update(initial_reply="held", initial_reply_on=reply_on, due_on=due, due_rule="information")
            answer_on = days.add(reply_on, rng.randrange(3, 25))
            if rng.random() < 0.1:
                extend_on = days.add(reply_on, rng.randrange(5, 14))
                if extend_on > today:
                    self._emit(writer, plan, row, events, letters, created, actor)
                    return
                due = days.add(day, 40)
                move(extend_on, "extended", {"extension_reason": "Documents held by a provincial department",
                                             "extended_to": due.isoformat()})
                row.update(extension_reason="Documents held by a provincial department", extended_to=due,
                           due_on=due, due_rule="extension", was_extended=True)
                answer_on = days.add(extend_on, rng.randrange(3, 30))
        else:
            answer_on = days.add(day, rng.randrange(1, 9))
        if answer_on > today:
            self._emit(writer, plan, row, events, letters, created, actor)
            return
        outcome = weighted(rng, OUTCOMES)
        details: dict[str, Any] = {}
        if outcome in ("refused", "answered_part"):
            row["exemption_ground_code"] = details["exemption_ground_code"] = rng.choice(GROUNDS)
        if outcome in ("answered_full", "answered_part"):
            row["disclosed_summary"] = details["disclosed_summary"] = "Copies of the decision and budget lines."
        if outcome == "transferred":
            row["transferred_to_id"] = details["transferred_to_id"] = rng.choice(body_ids)
            row["was_transferred"] = True
        move(answer_on, outcome, details)
        letters.append((answer_on, "incoming", "letter" if rng.random() < 0.7 else "email"))
        row.update(outcome=outcome, answered_on=answer_on, working_days_to_answer=days.between(day, answer_on),
                   on_time=answer_on <= due, due_on=None, due_rule=None)
        if outcome in ("answered_full", "transferred"):
            if (today - answer_on).days > 60 and rng.random() < 0.6:
                close_on = answer_on + timedelta(days=rng.randrange(5, 30))
                move(close_on, "closed")
                row["closed_on"] = close_on
        else:
            self._remedies(row, answer_on, move)
        self._emit(writer, plan, row, events, letters, created, actor)

    def _remedies(self, row: dict, since: date, move) -> None:
        """What the requester did after an unsatisfying result: complain, close, or nothing yet."""
        rng, today = self.rng, self.today
        if (today - since).days < 30:
            return
        if rng.random() < 0.15:
            on = since + timedelta(days=rng.randrange(5, 25))
            move(on, "complained")
            row["complained"] = True
            if (today - on).days > 90 and rng.random() < 0.6:
                decided = on + timedelta(days=rng.randrange(30, 80))
                outcome = weighted(rng, [("upheld", 30), ("partly_upheld", 20), ("dismissed", 40),
                                         ("no_decision", 10)])
                move(decided, "complaint_decided", {"complaint_outcome": outcome})
                row["complaint_outcome"] = outcome
        elif (today - since).days > 60 and rng.random() < 0.5:
            on = since + timedelta(days=rng.randrange(5, 30))
            move(on, "closed")
            row["closed_on"] = on

    def _emit(self, writer: RowWriter, plan: TenantPlan, row: dict, events, letters, created: datetime,
              actor: int) -> None:
        rng = self.rng
        last = events[-1][0] if events else created.date()
        row.update(created_at=created, updated_at=max(created, self.stamp(last, rng)))
        writer.add("a2i_request", row)
        for on, from_status, to_status, details in events:
            writer.add("a2i_request_event", dict(
                id=self.next_id("event"), tenant_id=plan.id, request_id=row["id"], occurred_on=on,
                actor_id=rng.choice(plan.member_ids), from_status=from_status, to_status=to_status, note="",
                details=details, created_at=self.stamp(on, rng)))
        for on, direction, kind in letters:
            writer.add("a2i_correspondence", dict(
                id=self.next_id("correspondence"), tenant_id=plan.id, request_id=row["id"], kind=kind,
                direction=direction, occurred_on=on,
                summary="Letter delivered by hand." if direction == "outgoing" else "Reply received.",
                created_at=self.stamp(on, rng)))

    # -- audit ------------------------------------------------------------------------------
    def audit_rows(self, plan: TenantPlan, first_id: int) -> Iterator[dict]:
        """A valid hash chain for the tenant, spread over the seeded period in time order."""
        from core.audit import GENESIS_HASH, event_digest
        rng = random.Random(self.seed * 1_000_003 + plan.id)
        n = plan.audit_events
        begin = datetime.combine(self.start, dtime(), tzinfo=timezone.utc)
        span = (self.today - self.start).total_seconds()
        step = span / max(n, 1)
        prev = GENESIS_HASH
        chain = f"tenant:{plan.id}"
        record_max = max(plan.requests, 1)
        for seq in range(1, n + 1):
            occurred = begin + timedelta(seconds=step * (seq - 1) + rng.random() * step * 0.9)
            occurred = occurred.replace(microsecond=rng.randrange(10**6))
            actor_id = rng.choice(plan.member_ids)
            kind = rng.random()
            if kind < 0.45:
                action, model = "update", "InfoRequest"
                changes = {"status": ["submitted", rng.choice(["initial_reply", "answered_full", "refused"])],
                           "updated_at": [None, occurred.isoformat()]}
            elif kind < 0.75:
                action, model = "insert", "RequestEvent"
                changes = {"to_status": [None, rng.choice(["submitted", "initial_reply", "answered_full"])],
                           "note": [None, ""]}
            elif kind < 0.9:
                action, model = "insert", "Correspondence"
                changes = {"kind": [None, "letter"], "summary": [None, "Reply received."]}
            elif kind < 0.97:
                action, model, changes = "login", "User", {}
            else:
                action, model, changes = "export", "InfoRequest", {"filters": {"status": "submitted"}}
            record = str(actor_id) if model == "User" else str(rng.randrange(1, record_max + 1))
            fields = dict(chain=chain, seq=seq, tenant_id=plan.id, occurred_at=occurred, actor_id=actor_id,
                          actor_label=plan.member_emails[actor_id], action=action, model=model, record_id=record,
                          changes=changes, request_id=f"{rng.getrandbits(128):032x}",
                          ip_address=f"10.{plan.id % 256}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                          prev_hash=prev)
            stamped = occurred.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds")
            fields["hash"] = prev = event_digest({**fields, "occurred_at": stamped})
            fields["id"] = first_id + seq - 1
            yield fields

    def write_audit(self, writer: RowWriter, plans: list[TenantPlan], first_id: int) -> None:
        next_id = first_id
        for plan in plans:
            last = None
            for row in self.audit_rows(plan, next_id):
                writer.add("core_audit_event", row)
                last = row
            next_id += plan.audit_events
            if last is not None:
                writer.add("core_audit_chain_head", dict(chain=last["chain"], seq=last["seq"], hash=last["hash"]))


# --- entry point --------------------------------------------------------------------------------

def make_app(database_url: str | None):
    """The app on the given database, without the pending-migrations check (we are about to migrate)."""
    from core import create_app
    config = {"CHECK_PENDING_MIGRATIONS": False}
    if database_url:
        config["SQLALCHEMY_DATABASE_URI"] = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    return create_app(config)


def drop_everything() -> None:
    from sqlalchemy import MetaData
    from core.extensions import db
    meta = MetaData()
    meta.reflect(bind=db.engine)
    meta.drop_all(bind=db.engine)


def reset_sequences(connection, tables: Iterable[str]) -> None:
    from sqlalchemy import text
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))


def seed(sizes: Sizes, *, seed: int = 42, today: date | None = None, database_url: str | None = None,
         drop: bool = False, app=None, quiet: bool = False) -> dict[str, int]:
    """Create the schema on an empty database and fill it; returns the rows written per table."""
    from argon2 import PasswordHasher
    from sqlalchemy import func, select, text
    from core.extensions import db
    from core.migrations import upgrade_all
    from core.models import AuditEvent, Tenant
    from core.registers.cli import load_reference_data
    from core.registers.models import Institution, Place, PlaceKind

    app = app or make_app(database_url)
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    with app.app_context():
        if drop:
            drop_everything()
        upgrade_all()
        if db.session.execute(select(func.count()).select_from(Tenant)).scalar_one():
            raise SystemExit("The database already has tenants: seed an empty database (or pass --drop).")
        say(load_reference_data())          # the gazetteer and the institutions register, as `flask init`
        body_ids = list(db.session.execute(select(Institution.id).where(Institution.owner_tenant_id.is_(None))
                                           .order_by(Institution.id)).scalars())
        commune_ids = list(db.session.execute(select(Place.id).where(Place.kind == PlaceKind.COMMUNE)
                                              .order_by(Place.id)).scalars())
        first_audit_id = (db.session.execute(select(func.max(AuditEvent.id))).scalar() or 0) + 1
        db.session.remove()

        seeder = Seeder(sizes, seed, today or date.today())
        seeder.commune_ids = commune_ids
        plans = seeder.plan_tenants()
        password_hash = PasswordHasher().hash(BENCH_PASSWORD)
        with db.engine.begin() as connection:
            writer = RowWriter(connection, db.metadata)
            if not quiet:
                writer.progress["a2i_request"] = Progress(sizes.requests + sizes.other_requests, "requests")
                writer.progress["core_audit_event"] = Progress(sizes.audit_events, "audit events")
            say("Users, tenants and memberships…")
            seeder.write_people(writer, plans, password_hash)
            for name in ("core_tenant", "core_user", "core_membership", "a2i_deadline_rules", "a2i_exemption_ground"):
                writer.flush(name)
            say("Organisations and projects…")
            seeder.write_registers(writer, plans)
            for name in ("core_contact", "core_project"):
                writer.flush(name)
            say("Requests, events and correspondence…")
            seeder.write_requests(writer, plans, body_ids)
            for name in ("core_contact", "core_contact_affiliation", "a2i_request", "a2i_request_event",
                         "a2i_correspondence", "a2i_request_counter"):
                writer.flush(name)
            say("Training, consulting and policy…")
            from bench.seed_modules import write_modules
            write_modules(seeder, writer, plans, body_ids)
            modules = [name for name in writer.buffers if name.startswith(MODULE_PREFIXES)]
            for name in modules:
                writer.flush(name)
            say("Audit events…")
            seeder.write_audit(writer, plans, first_audit_id)
            writer.close()
            reset_sequences(connection, ["core_tenant", "core_user", "core_membership", "a2i_deadline_rules",
                                         "a2i_exemption_ground", "core_contact", "core_project",
                                         "core_contact_affiliation", "a2i_request", "a2i_request_event",
                                         "a2i_correspondence", "a2i_request_counter", "core_audit_event"] + modules)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))   # visibility map: index-only scans, like a settled DB
        counts = dict(writer.counts)
        counts["core_institution"] = len(body_ids)
        counts["core_place"] = db.session.execute(select(func.count()).select_from(Place)).scalar_one()
        return counts


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("SAMAKI_DATABASE_URL"))
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=200_000, help="requests of the large tenant")
    parser.add_argument("--audit-events", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every size (0.01 for a quick run)")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="the seeded 'today' (ISO date)")
    parser.add_argument("--drop", action="store_true", help="drop every table first")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    sizes = Sizes.scaled(args.tenants, args.users, args.requests, args.audit_events, args.scale)
    started = time.monotonic()
    counts = seed(sizes, seed=args.seed, today=args.today, database_url=args.database_url, drop=args.drop)
    elapsed = time.monotonic() - started
    print(f"Seeded in {elapsed:.1f} s ({elapsed / 60:.1f} min):")
    for table, count in sorted(counts.items()):
        print(f"  {table:28} {count:>10,}")
    result = {"seconds": round(elapsed, 1), "counts": counts, "command": "python -m bench.seed " + " ".join(
        a if not a.startswith("postgresql") else "<url>" for a in (argv if argv is not None else sys.argv[1:]))}
    print(json.dumps(result))
    if (args.database_url or "").startswith("postgresql"):
        # bench.report quotes the seeding time of the benchmarked database.
        (Path(__file__).parent / "seed_result.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
