"""Benchmark data of the modules beyond A2I, in the large tenant: the training registry, the consulting
CRM and the policy tracker (issue 16). Called by bench.seed after the requests (participants, trainers,
consultants and stakeholders are the tenant's existing person contacts, clients its organisations, so
the contacts register is what it was) and before the audit events; it draws from its own random
generator, so everything seeded before it is unchanged for the same seed.

Sizes at scale 1.0 (200,000 requests in the large tenant), all proportional to the requests:
- training: 40 curricula with 1–3 versions, 150 trainers, 1,500 courses (10% historical, with totals
  only) of 1–5 sessions (~4,000), 10–40 enrolments each (~33,000, about as many distinct people, drawn from
  the ~190,000 unprotected ones), attendance for every (session, enrolment) of past sessions (~94,000) and
  certificates for most of the completed (~16,000);
- consulting: the default stages, 1,500 client profiles, 150 consultants, 3,000 opportunities moved
  through the stages (~11,000 stage moves; older ones mostly won or lost), ~1,800 proposals with a version,
  budget lines and a proposed team, ~1,800 consortium partners;
- policy: the default stages of every instrument type, 400 laws and policies (a fifth private to the
  tenant) with their stage histories (~1,600 changes), lead institutions, versions and status notes,
  60 campaigns with laws, targets, team and stakeholders, ~300 recommendations and ~600 activities."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time as dtime, timedelta, timezone
from decimal import Decimal

TRAINING_TOPICS = ["Access to information", "Budget monitoring", "Social accountability", "Gender and inclusion",
                   "Digital security", "Advocacy skills", "Community mapping", "Financial management",
                   "Land rights", "Youth leadership", "Media literacy", "Project cycle management"]
TRAINING_TOPICS_KM = ["សិទ្ធិទទួលបានព័ត៌មាន", "ការតាមដានថវិកា", "គណនេយ្យភាពសង្គម", "យេនឌ័រ និងបរិយាប័ន្ន",
                      "សុវត្ថិភាពឌីជីថល", "ជំនាញតស៊ូមតិ"]
TARGET_GROUPS = ["commune councillors", "youth volunteers", "CBO leaders", "women's groups", "journalists",
                 "CSO staff", "village chiefs", "teachers"]
VENUES = ["Commune hall", "Provincial hall", "Pagoda meeting hall", "Hotel conference room", "CSO office"]
SECTORS = ["governance", "health", "education", "agriculture", "environment", "gender", "WASH", "livelihoods"]
OPPORTUNITY_WORDS = ["Baseline survey", "Mid-term evaluation", "Final evaluation", "Capacity assessment",
                     "Training of trainers", "Policy study", "Gender analysis", "Market assessment",
                     "Social audit", "Knowledge, attitudes and practice survey"]
LAW_SUBJECTS = ["Access to Information", "Cybercrime", "Land Management", "Forestry", "Fisheries", "Labour",
                "Trade Unions", "Associations and NGOs", "Public Finance", "Decentralisation", "Environment and "
                "Natural Resources", "Telecommunications", "Consumer Protection", "Water Resources", "Mining",
                "Social Protection", "Education", "Health Care", "Urban Planning", "Taxation"]
INSTRUMENTS = [("law", "Law on", 30), ("sub_decree", "Sub-decree on", 25), ("prakas", "Prakas on", 20),
               ("royal_decree", "Royal Decree on", 5), ("decision", "Decision on", 5),
               ("policy", "National Policy on", 10), ("strategy", "National Strategy on", 5)]


def weighted(rng: random.Random, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[-1] for p in pairs])[0]


@dataclass(frozen=True)
class ModuleSizes:
    courses: int
    curricula: int
    trainers: int
    opportunities: int
    clients: int
    consultants: int
    laws: int
    campaigns: int

    @classmethod
    def for_requests(cls, requests: int) -> "ModuleSizes":
        courses = max(4, requests * 3 // 400)
        opportunities = max(6, requests * 3 // 200)
        return cls(courses=courses, curricula=max(2, min(40, courses // 30)), trainers=max(3, courses // 10),
                   opportunities=opportunities, clients=max(3, opportunities // 2),
                   consultants=max(3, opportunities // 20), laws=max(6, min(400, requests // 500)),
                   campaigns=max(2, min(60, requests // 400)))


class ModuleSeeder:
    """Writes the modules' rows through the seeder's RowWriter (ids counted by the seeder)."""

    def __init__(self, seeder, writer, plan, body_ids: list[int]):
        self.s, self.writer, self.plan, self.body_ids = seeder, writer, plan, body_ids
        self.rng: random.Random = seeder.rng_modules
        self.today, self.start = seeder.today, seeder.start
        self.sizes = ModuleSizes.for_requests(plan.requests)
        self.people = seeder.person_ids.get(plan.id, [])
        self.organisations = seeder.organisation_ids.get(plan.id, [])
        self.members = plan.member_ids
        self.project_ids = seeder.project_ids.get(plan.id, [])

    def add(self, table: str, **row) -> int:
        row.setdefault("id", self.s.next_id(table))
        self.writer.add(table, row)
        return row["id"]

    def tenant_row(self, table: str, **row) -> int:
        return self.add(table, tenant_id=self.plan.id, **row)

    def day(self, span_days: int | None = None) -> date:
        return self.start + timedelta(days=self.rng.randrange(span_days or (self.today - self.start).days))

    def stamp(self, day: date) -> datetime:
        return self.s.stamp(day, self.rng)

    def write(self) -> None:
        self.training()
        self.consulting()
        self.policy()

    # -- training -------------------------------------------------------------------------------------
    def training(self) -> None:
        rng, z = self.rng, self.sizes
        versions: list[int] = []
        for n in range(1, z.curricula + 1):
            topic = rng.choice(TRAINING_TOPICS)
            created = self.day()
            curriculum = self.tenant_row(
                "training_curriculum", title_en=f"{topic} manual {n}",
                title_km=rng.choice(TRAINING_TOPICS_KM) if rng.random() < 0.6 else "", topic=topic,
                language=weighted(rng, [("km", 60), ("en", 10), ("km,en", 30)]),
                description=f"Facilitator's manual and handouts for {topic.lower()} trainings.",
                created_at=self.stamp(created), updated_at=self.stamp(created))
            for edition in range(1, rng.randrange(2, 5)):
                released = created + timedelta(days=200 * (edition - 1))
                versions.append(self.tenant_row(
                    "training_curriculum_version", curriculum_id=curriculum, label=f"Edition {edition}",
                    released_on=released, change_note="Updated exercises and case studies." if edition > 1 else "",
                    status="approved" if released <= self.today else "draft", created_at=self.stamp(created)))
        trainers = []
        for contact in rng.sample(self.people, min(z.trainers, len(self.people))):
            trainers.append(self.tenant_row(
                "training_trainer", contact_id=contact, topics=", ".join(rng.sample(TRAINING_TOPICS, 2)),
                notes="", is_active=rng.random() < 0.9, created_at=self.stamp(self.day())))
        certificate = 0
        for n in range(1, z.courses + 1):
            historical = rng.random() < 0.1
            starts = self.day(max(1, (self.today - self.start).days + 60))      # some are still to come
            days = rng.randrange(1, 6)
            ends = starts + timedelta(days=days - 1)
            topic = rng.choice(TRAINING_TOPICS)
            group = rng.choice(TARGET_GROUPS)
            course = self.tenant_row(
                "training_course", kind="historical" if historical else "named",
                title_en=f"{topic} for {group} ({starts.year})",
                title_km=rng.choice(TRAINING_TOPICS_KM) if rng.random() < 0.5 else "",
                curriculum_version_id=rng.choice(versions) if versions and rng.random() < 0.8 else None,
                objectives="Participants can explain the rules and use them in their work.",
                organiser_id=rng.choice(self.organisations) if self.organisations and rng.random() < 0.3 else None,
                project_id=rng.choice(self.project_ids) if self.project_ids and rng.random() < 0.7 else None,
                target_group=group, place_id=rng.choice(self.s.commune_ids) if self.s.commune_ids else None,
                starts_on=starts, ends_on=ends, completion_percent=80,
                test_max_score=Decimal("20") if rng.random() < 0.6 else None,
                signatory_name="Executive Director", signatory_title="Director", signature_image="",
                created_at=self.stamp(starts - timedelta(days=20)), updated_at=self.stamp(starts))
            for trainer in rng.sample(trainers, min(len(trainers), rng.randrange(1, 3))):
                self.tenant_row("training_course_trainer", course_id=course, trainer_id=trainer,
                                role=rng.choice(["lead trainer", "co-trainer"]))
            if historical:
                people = rng.randrange(15, 60)
                self.tenant_row("training_historical_totals", course_id=course, sessions=days, participants=people,
                                women=people * rng.randrange(35, 65) // 100, youth=people // 3,
                                idpoor=people // 10, disability=people // 20, organisations=rng.randrange(1, 10),
                                completed=people * 8 // 10, source=f"{starts.year} annual report")
                continue
            self.course_people(course, starts, days, rng.random() < 0.6)

    def course_people(self, course: int, starts: date, days: int, scored: bool) -> None:
        rng = self.rng
        sessions = []
        for d in range(days):
            on = starts + timedelta(days=d)
            sessions.append((self.tenant_row(
                "training_session", course_id=course, title=f"Day {d + 1}", starts_on=on,
                start_time=dtime(8, 30), end_time=dtime(16, 30),
                place_id=rng.choice(self.s.commune_ids) if self.s.commune_ids else None, venue=rng.choice(VENUES),
                mode="online" if rng.random() < 0.05 else "in_person", capacity=40, is_mandatory=d == 0,
                created_at=self.stamp(starts - timedelta(days=10))), on))
        past = starts <= self.today
        for contact in rng.sample(self.people, min(len(self.people), rng.randrange(10, 41))):
            dropped = rng.random() < 0.05
            present = [past and on <= self.today and not dropped and rng.random() < 0.9 for _, on in sessions]
            completed = past and not dropped and sum(present) >= 0.8 * len(sessions) and present[0]
            status = ("dropped" if dropped else "completed" if completed else "attended" if any(present)
                      else "registered")
            pre = Decimal(rng.randrange(4, 14)) if scored and past else None
            enrolment = self.tenant_row(
                "training_enrolment", course_id=course, contact_id=contact, status=status,
                source=weighted(rng, [("form", 70), ("walk_in", 20), ("import", 10)]), pre_score=pre,
                post_score=pre + rng.randrange(0, 7) if pre is not None and completed else None, client_key=None,
                created_at=self.stamp(starts - timedelta(days=rng.randrange(1, 15))), updated_at=self.stamp(starts))
            for (session, on), here in zip(sessions, present):
                if on <= self.today:
                    self.tenant_row("training_attendance", session_id=session, enrolment_id=enrolment,
                                    present=here, recorded_at=self.stamp(on),
                                    recorded_by_id=rng.choice(self.members))
            if completed and rng.random() < 0.7:
                issued = starts + timedelta(days=len(sessions) + rng.randrange(0, 20))
                if issued <= self.today:
                    cert = self.s.next_id("training_certificate")
                    self.tenant_row("training_certificate", id=cert, enrolment_id=enrolment, code=f"BENCH{cert:010d}",
                                    issued_on=issued, issued_by_id=rng.choice(self.members), revoked_at=None,
                                    revoked_reason="", replaced_by_id=None, created_at=self.stamp(issued))

    # -- consulting -----------------------------------------------------------------------------------
    def consulting(self) -> None:
        from plugins.consulting_crm.services import DEFAULT_STAGES
        rng, z = self.rng, self.sizes
        stages = []   # (id, code, outcome)
        for position, (code, name_en, name_km, outcome, probability, requires) in enumerate(DEFAULT_STAGES):
            stages.append((self.tenant_row("consulting_stage", code=code, name_en=name_en, name_km=name_km,
                                           position=position, outcome=outcome.value, default_probability=probability,
                                           requires=requires, is_active=True), code, probability))
        clients = rng.sample(self.organisations, min(z.clients, len(self.organisations)))
        for contact in clients:
            self.tenant_row("consulting_client", contact_id=contact,
                            client_type=weighted(rng, [("development_partner", 30), ("ngo", 40),
                                                       ("institution", 15), ("company", 10), ("other", 5)]),
                            sector=rng.choice(SECTORS), country="KH", notes="",
                            created_at=self.stamp(self.day()))
        consultants = []
        for contact in rng.sample(self.people, min(z.consultants, len(self.people))):
            consultants.append(self.tenant_row(
                "consulting_consultant", contact_id=contact, expertise=", ".join(rng.sample(SECTORS, 2)),
                languages=rng.choice(["km", "km,en", "km,en,fr"]), day_rate=Decimal(rng.randrange(150, 600)),
                rate_currency="USD", notes="", is_active=True, created_at=self.stamp(self.day())))
        open_stages, won, lost = stages[:5], stages[5], stages[6]
        for n in range(1, z.opportunities + 1):
            created = self.day()
            age = (self.today - created).days
            # Older opportunities have mostly ended; recent ones are spread over the open stages.
            if age > 120 and rng.random() < 0.85:
                reached = rng.randrange(1, 6)
                final = won if rng.random() < 0.35 else lost
            else:
                reached = rng.randrange(1, 6)
                final = None
            path = open_stages[:reached] + ([final] if final else [])
            stage = path[-1]
            khr = rng.random() < 0.1
            value = Decimal(rng.randrange(5, 300) * 1000) * (4100 if khr else 1)
            due = created + timedelta(days=rng.randrange(14, 60))
            owner = rng.choice(self.members)
            moved = [created + timedelta(days=i * max(1, min(age, 150)) // len(path)) for i in range(len(path))]
            opportunity = self.tenant_row(
                "consulting_opportunity", title=f"{rng.choice(OPPORTUNITY_WORDS)} – {rng.choice(SECTORS)} {n}",
                client_id=rng.choice(clients) if clients else None,
                source=weighted(rng, [("call_for_proposals", 60), ("direct_request", 25), ("referral", 10),
                                      ("other", 5)]),
                call_reference=f"RFP-{created.year}-{n:04d}", description="Terms of reference received.",
                questions_due_on=created + timedelta(days=7), submission_due_on=due,
                expected_start_on=due + timedelta(days=45), currency="KHR" if khr else "USD", estimated_value=value,
                khr_per_usd=Decimal("4100") if khr else None, rate_on=created if khr else None,
                rate_source="National Bank of Cambodia" if khr else "", probability=stage[2], owner_id=owner,
                project_id=None, stage_id=stage[0], stage_entered_at=self.stamp(moved[-1]),
                lost_reason="Price" if final is lost else "",
                closed_on=moved[-1] if final else None, reminded_due_on=None, reminders_sent="",
                created_at=self.stamp(created), updated_at=self.stamp(moved[-1]))
            previous = None
            for (stage_id, _, _), on in zip(path, moved):
                self.tenant_row("consulting_stage_move", opportunity_id=opportunity, from_stage_id=previous,
                                to_stage_id=stage_id, moved_at=self.stamp(on), moved_by_id=owner)
                previous = stage_id
            if self.organisations and rng.random() < 0.3:
                for partner in rng.sample(self.organisations, min(2, len(self.organisations))):
                    self.tenant_row("consulting_consortium_partner", opportunity_id=opportunity, partner_id=partner,
                                    share_percent=Decimal(rng.choice([20, 30, 40])), role="sub-contractor")
            if reached >= 3:
                self.proposal(opportunity, f"Proposal {n}", "KHR" if khr else "USD", due, final, won, consultants)

    def proposal(self, opportunity: int, title: str, currency: str, due: date, final, won, consultants) -> None:
        rng = self.rng
        submitted = due if due <= self.today else None
        result = ("pending" if final is None or submitted is None else "won" if final is won else "lost")
        proposal = self.tenant_row("consulting_proposal", opportunity_id=opportunity, title=title, currency=currency,
                                   submitted_on=submitted, result=result, feedback="",
                                   created_at=self.stamp(due - timedelta(days=10)))
        self.tenant_row("consulting_proposal_version", proposal_id=proposal, label="v1", note="First draft",
                        created_at=self.stamp(due - timedelta(days=10)))
        for position, (description, unit) in enumerate([("Team leader", "day"), ("Field researchers", "day"),
                                                        ("Workshops", "workshop"), ("Travel", "lump sum")]):
            self.tenant_row("consulting_budget_line", proposal_id=proposal, position=position,
                            description=description, unit=unit, quantity=Decimal(rng.randrange(1, 30)),
                            unit_cost=Decimal(rng.randrange(50, 500)) * (4100 if currency == "KHR" else 1))
        for consultant in rng.sample(consultants, min(len(consultants), rng.randrange(1, 4))):
            self.tenant_row("consulting_proposed_member", proposal_id=proposal, consultant_id=consultant,
                            role=rng.choice(["team leader", "researcher", "trainer"]),
                            days=Decimal(rng.randrange(5, 40)))

    # -- policy ---------------------------------------------------------------------------------------
    def policy(self) -> None:
        from plugins.policy_tracker.models import InstrumentType
        from plugins.policy_tracker.stages import default_stages
        rng, z = self.rng, self.sizes
        steps: dict[str, list[int]] = {}
        endings: dict[str, list[int]] = {}
        for kind in InstrumentType:
            for stage in default_stages(kind):
                stage_id = self.add("policy_stage", instrument_type=kind.value, code=stage.code,
                                    name_en=stage.name_en, name_km=stage.name_km, position=stage.position,
                                    kind=stage.kind.value, is_active=True)
                (steps if stage.kind.value == "step" else endings).setdefault(kind.value, []).append(stage_id)
        laws = []
        for n in range(1, z.laws + 1):
            kind, words, _ = rng.choices(INSTRUMENTS, weights=[i[2] for i in INSTRUMENTS])[0]
            private = rng.random() < 0.2
            subject = rng.choice(LAW_SUBJECTS)
            began = self.day()
            reached = steps[kind][:rng.randrange(1, len(steps[kind]) + 1)]
            if rng.random() < 0.05:
                reached = reached + [rng.choice(endings[kind])]
            dates = sorted(began + timedelta(days=rng.randrange(0, max(1, (self.today - began).days + 1)))
                           for _ in reached)
            law = self.add("policy_law", owner_tenant_id=self.plan.id if private else None,
                           title_en=f"{words} {subject} ({began.year}-{n})", title_km="",
                           short_name=f"{subject.split()[0]} {kind.replace('_', '-')}"[:64], instrument_type=kind,
                           summary_en=f"Rules on {subject.lower()}.", summary_km="",
                           tags=", ".join(rng.sample(["a2i", "land", "budget", "labour", "environment", "digital"], 2)),
                           links="", is_demo=False, current_stage_id=reached[-1], current_stage_on=dates[-1],
                           created_at=self.stamp(began), updated_at=self.stamp(dates[-1]))
            laws.append(law)
            for stage_id, on in zip(reached, dates):
                self.add("policy_stage_change", law_id=law, stage_id=stage_id, occurred_on=on,
                         source="Official gazette", note="", recorded_by_id=rng.choice(self.members),
                         created_at=self.stamp(on))
            for institution in rng.sample(self.body_ids, min(len(self.body_ids), rng.randrange(1, 3))):
                self.add("policy_law_institution", law_id=law, institution_id=institution)
            for v, on in enumerate(dates[:2]):
                self.add("policy_law_version", law_id=law, label=f"Draft {v + 1}", dated_on=on,
                         source="Ministry website", note="", created_at=self.stamp(on))
            for _ in range(rng.randrange(0, 3)):
                on = self.day()
                self.tenant_row("policy_status_note", law_id=law, noted_on=on,
                                text="Discussed at the working group meeting; next draft expected.",
                                source="", author_id=rng.choice(self.members), created_at=self.stamp(on))
        for n in range(1, z.campaigns + 1):
            starts = self.day()
            campaign = self.tenant_row(
                "policy_campaign", title=f"Campaign for {rng.choice(LAW_SUBJECTS).lower()} {n}",
                goal="Amendments adopted before the law is passed.",
                status=weighted(rng, [("planned", 10), ("active", 50), ("paused", 10), ("closed", 30)]),
                project_id=rng.choice(self.project_ids) if self.project_ids else None, starts_on=starts,
                ends_on=starts + timedelta(days=rng.choice([180, 365, 730])), strategy_notes="Meet the drafters.",
                budget=Decimal(rng.randrange(5, 80) * 1000), created_at=self.stamp(starts),
                updated_at=self.stamp(starts))
            campaign_laws = rng.sample(laws, min(len(laws), rng.randrange(1, 4)))
            for law in campaign_laws:
                self.tenant_row("policy_campaign_law", campaign_id=campaign, law_id=law)
            for institution in rng.sample(self.body_ids, min(len(self.body_ids), rng.randrange(1, 4))):
                self.tenant_row("policy_campaign_target", campaign_id=campaign, institution_id=institution)
            for user in rng.sample(self.members, min(len(self.members), rng.randrange(1, 5))):
                self.tenant_row("policy_campaign_member", campaign_id=campaign, user_id=user)
            for contact in rng.sample(self.organisations, min(len(self.organisations), rng.randrange(2, 8))):
                self.tenant_row("policy_campaign_stakeholder", campaign_id=campaign, contact_id=contact,
                                role=rng.choice(["ally", "target", "influencer"]))
            for _ in range(5):
                on = starts + timedelta(days=rng.randrange(0, 300))
                self.tenant_row("policy_recommendation", law_id=rng.choice(campaign_laws), version_id=None,
                                article=f"Article {rng.randrange(1, 60)}", campaign_id=campaign,
                                text_en="Shorten the period for replies to 15 days.", text_km="",
                                submitted_to_id=rng.choice(self.body_ids), submitted_on=on,
                                outcome=weighted(rng, [("pending", 50), ("adopted", 15), ("partly_adopted", 15),
                                                       ("rejected", 20)]),
                                outcome_on=None, outcome_evidence="", created_by_id=rng.choice(self.members),
                                created_at=self.stamp(on), updated_at=self.stamp(on))
            for _ in range(10):
                on = starts + timedelta(days=rng.randrange(0, 300))
                total = rng.randrange(5, 80)
                self.tenant_row("policy_activity", campaign_id=campaign,
                                kind=weighted(rng, [("meeting", 40), ("submission", 15), ("media", 15), ("event", 20),
                                                    ("other", 10)]),
                                title="Meeting with the drafting committee", occurred_on=on,
                                place_id=rng.choice(self.s.commune_ids) if self.s.commune_ids else None,
                                summary="", is_public=rng.random() < 0.5, participants_total=total,
                                participants_women=total // 2, participants_youth=total // 4,
                                participants_disability=total // 20, created_at=self.stamp(on))


def write_modules(seeder, writer, plans, body_ids: list[int]) -> None:
    """The modules' rows of the large tenant (the first plan)."""
    ModuleSeeder(seeder, writer, plans[0], body_ids).write()
