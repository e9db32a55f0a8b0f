"""Demo data of the laws register for `flask demo`: five laws and policies of the digital and
transparency agenda with plausible stage histories 2019–2026. They are DEMONSTRATION content
(is_demo=True, sources marked "(demo)"), shown with a "demo data" mark and never as fact. Official
rows are written once per instance; each demo tenant gets a status note of its own, and the demo
working group "a2iwg" follows the A2I law (lazily: `flask demo` creates the group after the plugins'
demo data)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import event, select

from core.extensions import db
from core.models import WorkingGroup
from core.registers.institutions import seed_institutions
from core.registers.models import Institution
from core.tenancy import current_tenant_id, unscoped
from plugins.policy_tracker import services
from plugins.policy_tracker.models import (GroupLaw, InstrumentType, Law, LawInstitution, LawVersion, PolicyStage,
                                          StageChange, StatusNote)
from plugins.policy_tracker.stages import ensure_default_stages

DEMO_GROUP_SLUG = "a2iwg"
A2I_TITLE = "Draft Law on Access to Information"

# title_en, title_km, short name, type, lead institution codes, tags, summary, [(stage code, date, source, note)],
# [(version label, date, source)]
DEMO_LAWS = [
    (A2I_TITLE, "សេចក្តីព្រាងច្បាប់ស្តីពីសិទ្ធិទទួលបានព័ត៌មាន", "A2I law", InstrumentType.LAW, ["MOI"],
     "a2i, transparency",
     "Gives everyone the right to ask public bodies for information they hold, with deadlines and exemptions.",
     [("drafting", date(2019, 3, 18), "Ministry of Information press release (demo)", "Technical working group resumes drafting."),
      ("public_consultation", date(2019, 11, 26), "Ministry of Information press release (demo)", "National consultation workshop with CSOs."),
      ("inter_ministerial_review", date(2020, 9, 8), "A2IWG meeting minutes (demo)", ""),
      ("public_consultation", date(2022, 9, 28), "Ministry of Information press release (demo)", "Second consultation on A2I Day."),
      ("inter_ministerial_review", date(2024, 5, 14), "A2IWG meeting minutes (demo)", "Revised draft circulated to ministries."),
      ("council_of_ministers", date(2026, 2, 20), "Council of Ministers agenda (demo)", "Listed for review.")],
     [("Draft 1", date(2019, 3, 18), "Ministry of Information (demo)"),
      ("Draft 2", date(2022, 8, 30), "Ministry of Information (demo)")]),
    ("Law on Cyber Security", "ច្បាប់ស្តីពីសន្តិសុខសាយប័រ", "Cyber Security law", InstrumentType.LAW, ["MPTC"],
     "digital rights, cyber security",
     "Sets duties for critical information infrastructure and the powers of the cyber security authority.",
     [("drafting", date(2019, 6, 3), "Ministry of Posts and Telecommunications press release (demo)", ""),
      ("public_consultation", date(2022, 6, 15), "Media report (demo)", "Draft circulated for comments."),
      ("inter_ministerial_review", date(2023, 7, 4), "DRWG meeting minutes (demo)", ""),
      ("public_consultation", date(2024, 8, 22), "Ministry of Posts and Telecommunications press release (demo)", "Revised draft.")],
     [("Draft of 2022", date(2022, 6, 15), "Media report (demo)")]),
    ("Law on Cybercrime", "ច្បាប់ស្តីពីបទល្មើសបច្ចេកវិទ្យា", "Cyber Crime law", InstrumentType.LAW, ["MOINT"],
     "digital rights, freedom of expression",
     "Defines offences committed with computer systems and the investigation powers that come with them.",
     [("drafting", date(2019, 2, 11), "Ministry of Interior press release (demo)", ""),
      ("inter_ministerial_review", date(2020, 10, 5), "Leaked draft reported by the media (demo)", "CSOs raise concerns on speech offences."),
      ("public_consultation", date(2023, 3, 9), "DRWG meeting minutes (demo)", "Limited consultation."),
      ("council_of_ministers", date(2025, 11, 14), "Council of Ministers agenda (demo)", "")],
     [("Draft of 2020", date(2020, 10, 5), "Media report (demo)")]),
    ("Law on Personal Data Protection", "ច្បាប់ស្តីពីកិច្ចការពារទិន្នន័យផ្ទាល់ខ្លួន", "Personal Data Protection law",
     InstrumentType.LAW, ["MPTC"], "digital rights, privacy",
     "Rules on collecting and using personal data, the rights of data subjects and a supervisory authority.",
     [("drafting", date(2021, 4, 20), "Ministry of Posts and Telecommunications press release (demo)", ""),
      ("public_consultation", date(2023, 11, 7), "Ministry of Posts and Telecommunications press release (demo)", "Online comments invited."),
      ("inter_ministerial_review", date(2025, 3, 18), "DRWG meeting minutes (demo)", "")],
     []),
    ("Digital Government Policy 2022–2035", "គោលនយោបាយរដ្ឋាភិបាលឌីជីថល ២០២២-២០៣៥", "Digital Government Policy",
     InstrumentType.POLICY, ["MPTC"], "digital government, e-services",
     "The government's plan for digital public services, data sharing between institutions and digital skills.",
     [("drafting", date(2021, 3, 1), "Government announcement (demo)", ""),
      ("consultation", date(2021, 8, 16), "Government announcement (demo)", ""),
      ("adopted_council", date(2022, 1, 28), "Council of Ministers press release (demo)", ""),
      ("implementation", date(2022, 7, 1), "Government announcement (demo)", "Action plan launched.")],
     [("Adopted text", date(2022, 1, 28), "Council of Ministers (demo)")]),
]
DEMO_NOTE = ("Members heard at the A2IWG meeting that the revised draft keeps the 30-day deadline (demo note).",
             "A2IWG meeting (demo)")


def _seed_official_laws() -> None:
    """The five official entries with their histories, once per instance (outside any tenant)."""
    ensure_default_stages()
    seed_institutions()
    bodies = {body.code: body for body in db.session.scalars(select(Institution).where(
        Institution.owner_tenant_id.is_(None)))}
    stages = {(stage.instrument_type, stage.code): stage for stage in db.session.scalars(select(PolicyStage))}
    existing = {(law.instrument_type, law.title_en) for law in db.session.scalars(select(Law).where(
        Law.owner_tenant_id.is_(None)))}
    for title_en, title_km, short, kind, codes, tags, summary, history, versions in DEMO_LAWS:
        if (kind, title_en) in existing:
            continue
        law = Law(title_en=title_en, title_km=title_km, short_name=short, instrument_type=kind, tags=tags,
                  summary_en=summary, is_demo=True)
        for code in codes:
            if code in bodies:
                law.lead_institutions.append(LawInstitution(law=law, institution=bodies[code]))
        for label, dated_on, source in versions:
            law.versions.append(LawVersion(law=law, label=label, dated_on=dated_on, source=source))
        for code, occurred_on, source, note in history:
            stage = stages[(kind, code)]
            law.stage_changes.append(StageChange(law=law, stage=stage, occurred_on=occurred_on, source=source,
                                                 note=note))
            law.current_stage, law.current_stage_on = stage, occurred_on
        db.session.add(law)
    db.session.flush()


def _a2i_law_id() -> int | None:
    return db.session.scalar(select(Law.id).where(Law.owner_tenant_id.is_(None), Law.title_en == A2I_TITLE))


def follow_when_group_exists(session) -> bool:
    """Make the demo group follow the A2I law if both exist (True when done or already so)."""
    law_id = _a2i_law_id()
    group_id = session.scalar(select(WorkingGroup.id).where(WorkingGroup.slug == DEMO_GROUP_SLUG))
    if law_id is None or group_id is None:
        return False
    if session.scalar(select(GroupLaw.id).where(GroupLaw.group_id == group_id, GroupLaw.law_id == law_id)) is None:
        session.add(GroupLaw(group_id=group_id, law_id=law_id))
    return True


def _follow_lazily() -> None:
    """`flask demo` creates the group after the plugins' demo data: follow the law on the commit that
    saves the group (the listener leaves once it has done so)."""
    session = db.session()
    if follow_when_group_exists(session) or session.info.get("policy_demo_follow"):
        return

    def before_commit(current) -> None:
        with unscoped():
            if follow_when_group_exists(current):
                current.info.pop("policy_demo_follow", None)
                event.remove(current, "before_commit", before_commit)

    session.info["policy_demo_follow"] = True
    event.listen(session, "before_commit", before_commit)


def load_demo_data(tenant) -> None:
    """Seed the official demo laws (once) and the tenant's own demo status note; idempotent."""
    with unscoped():
        _seed_official_laws()
        _follow_lazily()
    tenant_id = current_tenant_id() or tenant.id
    law_id = _a2i_law_id()
    if law_id is None:
        return
    already = db.session.scalar(select(StatusNote.id).where(StatusNote.tenant_id == tenant_id,
                                                            StatusNote.law_id == law_id))
    if already is None:
        law = services.get_visible_law(law_id)
        db.session.add(StatusNote(tenant_id=tenant_id, law=law, noted_on=date(2025, 9, 29), text=DEMO_NOTE[0],
                                  source=DEMO_NOTE[1]))
        db.session.flush()
