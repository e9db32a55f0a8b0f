"""The training JSON API under /api/v1/t/<tenant>/training/: curricula with their versions, courses with
their sessions and trainers, attendance batches (idempotent), enrolments with scores and certificate
codes, and the training report. Same permissions and rules as the pages: reads need training.view,
writes training.edit (curricula: training.curricula.edit); writes go through the services
(DomainError -> 422 naming the field) and are audited on flush; PATCH needs If-Match. A participant's
or trainer's identity never goes beyond what core.registers.protection allows the token's user."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import abort, g, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from core.api import ApiBlueprint, refuse
from core.api.files import (FileListArgs, FileUploadSchema, as_upload, download, download_doc, file_view,
                            save_or_422)
from core.api.lists import paginate
from core.errors import DomainError
from core.extensions import db
from core.i18n import current_locale
from core.permissions import require
from core.registers.calendar import tenant_calendar
from core.registers.models import Contact, ContactKind, Place, Project
from core.registers.protection import may_see_identity, shown_name
from core.search import any_contains
from plugins.training_registry import attendance, certificates, courses, curricula, historical, reports, services
from plugins.training_registry.models import (Attendance, Course, CourseKind, CourseTrainer, Curriculum,
                                              CurriculumFile, CurriculumVersion, Enrolment, Trainer, TrainingSession)
from plugins.training_registry.schemas import (AttendanceBatchSchema, AttendanceListArgs, AttendancePage, AttendanceResultSchema,
                                               CourseDetailSchema, CourseListArgs, CoursePage, CoursePatchSchema,
                                               CourseWriteSchema, CurriculumDetailSchema, CurriculumListArgs,
                                               CurriculumPage, CurriculumWriteSchema, EnrolmentListArgs,
                                               EnrolmentPage, EnrolmentPatchSchema, EnrolmentSchema,
                                               EnrolmentWriteSchema, ReportArgs, ReportSchema, SessionDetailSchema,
                                               SessionListArgs, SessionPage, SessionWriteSchema, TrainingFilePage,
                                               TrainingFileSchema)

training_api = ApiBlueprint("training_api", __name__, path="training",
                            description="Curricula, courses, sessions with attendance, enrolments and training reports.")

VIEW, EDIT, CURRICULA_EDIT = "training.view", "training.edit", "training.curricula.edit"
COURSE_TEXT = ("title_en", "title_km", "objectives", "target_group", "signatory_name", "signatory_title")


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# --- curricula ----------------------------------------------------------------------------------------

def _curriculum_item(curriculum: Curriculum) -> dict[str, Any]:
    latest = curricula.latest_approved(curriculum)
    return {"id": curriculum.id, "title_en": curriculum.title_en, "title_km": curriculum.title_km,
            "title": curriculum.title_in(current_locale()), "topic": curriculum.topic,
            "language": curriculum.language, "latest_approved_version_id": latest.id if latest else None}


def curriculum_view(curriculum: Curriculum) -> dict[str, Any]:
    view = _curriculum_item(curriculum)
    view["description"] = curriculum.description
    view["versions"] = [{"id": version.id, "label": version.label, "released_on": version.released_on,
                         "change_note": version.change_note, "status": version.status,
                         "files": [{"id": stored.id, "display_name": stored.display_name,
                                    "content_type": stored.content_type, "size_bytes": stored.size_bytes}
                                   for stored in version.files]} for version in curriculum.versions]
    return view


def _curriculum(curriculum_id: int) -> Curriculum:
    curriculum = curricula.get_curriculum(curriculum_id, selectinload(Curriculum.versions).selectinload(
        CurriculumVersion.files))
    if curriculum is None:
        abort(404)
    return curriculum


@training_api.route("/curricula/")
class Curricula(MethodView):
    @require(VIEW)
    @training_api.arguments(CurriculumListArgs, location="query")
    @training_api.response(200, CurriculumPage)
    def get(self, args):
        """The organisation's curricula and manuals, by title."""
        query = curricula.curriculum_list_query(q=args.get("q") or "", status=args["status"].value
                                                if args.get("status") else "").order_by(None)
        query = query.options(selectinload(Curriculum.versions))
        page = paginate(query, args, {"title_en": func.lower(Curriculum.title_en)},
                        (func.lower(Curriculum.title_en), Curriculum.id))
        page["items"] = [_curriculum_item(curriculum) for curriculum in page["items"]]
        return page

    @require(CURRICULA_EDIT)
    @training_api.arguments(CurriculumWriteSchema)
    @training_api.response(201, CurriculumDetailSchema)
    def post(self, data):
        """Add a curriculum, with its versions if given (files are added on its page)."""
        versions = data.pop("versions")
        try:
            curriculum = curricula.create_curriculum(**data)
        except DomainError as error:
            refuse(error, "title_en")
        for index, version in enumerate(versions):
            try:
                curricula.add_version(curriculum, **version)
            except DomainError as error:
                refuse({"versions": {str(index): {error.field or "label": [str(error.message)]}}})
        db.session.commit()
        return curriculum_view(_curriculum(curriculum.id))


@training_api.route("/curricula/<int:curriculum_id>")
class CurriculumById(MethodView):
    @require(VIEW)
    @training_api.response(200, CurriculumDetailSchema)
    def get(self, curriculum_id):
        """One curriculum with its versions (oldest first) and their files."""
        return curriculum_view(_curriculum(curriculum_id))


# --- courses ------------------------------------------------------------------------------------------

def _course_item(course: Course, enrolled: int) -> dict[str, Any]:
    version = course.curriculum_version
    return {"id": course.id, "kind": course.kind, "title_en": course.title_en, "title_km": course.title_km,
            "title": course.title_in(current_locale()), "curriculum_id": version.curriculum_id if version else None,
            "curriculum_version_id": course.curriculum_version_id, "project_id": course.project_id,
            "place_id": course.place_id, "starts_on": course.starts_on, "ends_on": course.ends_on,
            "enrolled": enrolled}


def _session_item(session: TrainingSession, calendar) -> dict[str, Any]:
    return {"id": session.id, "course_id": session.course_id, "title": session.title,
            "starts_on": session.starts_on, "start_time": session.start_time, "end_time": session.end_time,
            "place_id": session.place_id, "venue": session.venue, "mode": session.mode,
            "capacity": session.capacity, "is_mandatory": session.is_mandatory, "has_sheet": bool(session.sheet_name),
            "warning": courses.session_day_warning(session.starts_on, current_locale(), calendar)}


def course_view(course: Course) -> dict[str, Any]:
    lang, calendar = current_locale(), tenant_calendar(course.tenant_id)
    view = _course_item(course, services.enrolment_counts([course.id]).get(course.id, 0))
    view.update({name: getattr(course, name) for name in (
        "objectives", "organiser_id", "target_group", "completion_percent", "signatory_name", "signatory_title")})
    view["test_max_score"] = _float(course.test_max_score)
    view["sessions"] = [_session_item(session, calendar) for session in course.sessions]
    view["trainers"] = [{"trainer_id": row.trainer_id, "contact_id": row.trainer.contact_id,
                         "name": shown_name(row.trainer.contact, lang, reveal=False), "role": row.role}
                        for row in sorted(course.trainers, key=lambda row: row.id)]
    totals = course.totals
    view["totals"] = None if totals is None else {name: getattr(totals, name) for name in (
        "sessions", "participants", "women", "youth", "idpoor", "disability", "organisations", "completed", "source")}
    return view


def _course(course_id: int) -> Course:
    course = services.get_course(course_id, joinedload(Course.curriculum_version), selectinload(Course.sessions),
                                 selectinload(Course.trainers).joinedload(CourseTrainer.trainer).joinedload(
                                     Trainer.contact), selectinload(Course.totals))
    if course is None:
        abort(404)
    return course


def _historical_reference_errors(data: dict) -> dict:
    """What historical.check leaves to its page's pickers: ids of other tenants look unknown."""
    errors: dict = {}
    if data.get("organiser_id") is not None and db.session.scalar(select(Contact.id).where(
            Contact.id == data["organiser_id"], Contact.kind == ContactKind.ORGANISATION,
            Contact.erased_at.is_(None))) is None:
        errors["organiser_id"] = [_("Choose an organisation from your contacts.")]
    if data.get("project_id") is not None and db.session.scalar(select(Project.id).where(
            Project.id == data["project_id"])) is None:
        errors["project_id"] = [_("Choose one of your organisation's projects.")]
    if data.get("place_id") is not None and db.session.get(Place, data["place_id"]) is None:
        errors["place_id"] = [_("Choose a place from the gazetteer.")]
    return errors


def _set_trainers(course: Course, rows: list[dict]) -> None:
    """The course's trainers become `rows` (courses.add_trainer for each; a refusal names the item)."""
    wanted = [row["trainer_id"] for row in rows]
    for row in list(course.trainers):
        if row.trainer_id not in wanted:
            course.trainers.remove(row)
    seen: set[int] = set()
    for index, row in enumerate(rows):
        if row["trainer_id"] in seen:
            refuse({"trainers": {str(index): {"trainer_id": [_("This trainer is listed twice.")]}}})
        seen.add(row["trainer_id"])
        try:
            courses.add_trainer(course, row["trainer_id"], row.get("role", ""))
        except DomainError as error:
            refuse({"trainers": {str(index): {error.field or "trainer_id": [str(error.message)]}}})


def _historical_fields(course: Course | None, data: dict) -> dict:
    return {name: data[name] if name in data else getattr(course, name, None)
            for name in historical.COURSE_FIELDS if course is not None or name in data}


def _write_course(course: Course | None, data: dict) -> Course:
    """Create or change a course through the rules its pages use: courses for a named course,
    historical for one known as totals (its totals are entered on its page)."""
    trainers = data.pop("trainers", None)
    kind = data.pop("kind", None) if course is None else course.kind
    try:
        if kind is CourseKind.HISTORICAL:
            errors = _historical_reference_errors(data)
            if errors:
                refuse(errors)
            if course is None:
                course = historical.create_historical_course(g.tenant.id, _historical_fields(None, data), {})
            else:
                totals = {name: getattr(course.totals, name) for name in (*historical.COUNTS, "source")} \
                    if course.totals else {}
                historical.update_historical_course(course, _historical_fields(course, data), totals)
            for name, value in data.items():
                if name not in historical.COURSE_FIELDS:
                    setattr(course, name, value.strip() if isinstance(value, str) else value)
        elif course is None:
            course = courses.create_course(g.tenant.id, **data)
        else:
            courses.update_course(course, **data)
        if trainers is not None:
            _set_trainers(course, trainers)
        db.session.flush()
    except DomainError as error:
        refuse(error, "title_en")
    db.session.commit()
    return course


def course_list_query(args: dict):
    """The organisation's courses with the list's filters (one query, the version joined)."""
    query = select(Course).options(joinedload(Course.curriculum_version))
    if args.get("date_from"):
        query = query.where(Course.ends_on >= args["date_from"])
    if args.get("date_to"):
        query = query.where(Course.starts_on <= args["date_to"])
    if args.get("project_id"):
        query = query.where(Course.project_id == args["project_id"])
    if args.get("curriculum_id"):
        query = query.where(Course.curriculum_version_id.in_(select(CurriculumVersion.id).where(
            CurriculumVersion.curriculum_id == args["curriculum_id"])))
    if args.get("kind"):
        query = query.where(Course.kind == args["kind"])
    if (args.get("q") or "").strip():
        query = query.where(any_contains([Course.title_en, Course.title_km], args["q"]))
    return query


@training_api.route("/courses/")
class Courses(MethodView):
    @require(VIEW)
    @training_api.arguments(CourseListArgs, location="query")
    @training_api.response(200, CoursePage)
    def get(self, args):
        """The organisation's courses, newest first unless sorted. date_from and date_to keep the courses
        running at some time in the period."""
        page = paginate(course_list_query(args), args, {"starts_on": Course.starts_on, "title_en": Course.title_en},
                        (Course.starts_on.desc(), Course.id.desc()))
        counts = services.enrolment_counts([course.id for course in page["items"]])
        page["items"] = [_course_item(course, counts.get(course.id, 0)) for course in page["items"]]
        return page

    @require(EDIT)
    @training_api.arguments(CourseWriteSchema)
    @training_api.response(201, CourseDetailSchema)
    def post(self, data):
        """Create a course (named, or historical: known only as totals, entered on its page)."""
        course = _write_course(None, data)
        return course_view(_course(course.id))


@training_api.route("/courses/<int:course_id>")
class CourseById(MethodView):
    @require(VIEW)
    @training_api.etag
    @training_api.response(200, CourseDetailSchema)
    def get(self, course_id):
        """One course with its sessions (and a warning for a day that is not a working day), trainers and,
        for a historical course, its totals."""
        return course_view(_course(course_id))

    @require(EDIT)
    @training_api.etag
    @training_api.arguments(CoursePatchSchema(partial=True))
    @training_api.response(200, CourseDetailSchema)
    def patch(self, data, course_id):
        """Change a course; trainers, when given, replace the current ones. Send If-Match with the ETag you read."""
        course = _course(course_id)
        training_api.check_etag(course_view(course), CourseDetailSchema)
        _write_course(course, data)
        db.session.expire_all()
        return course_view(_course(course_id))


# --- sessions -----------------------------------------------------------------------------------------

def _session(session_id: int) -> TrainingSession:
    session = db.session.scalar(select(TrainingSession).where(TrainingSession.id == session_id).options(
        joinedload(TrainingSession.course)))
    if session is None:
        abort(404)
    return session


def _marks(session_id: int) -> dict[bool, int]:
    return dict(db.session.execute(select(Attendance.present, func.count()).where(
        Attendance.session_id == session_id).group_by(Attendance.present)).all())


def session_view(session: TrainingSession) -> dict[str, Any]:
    view = _session_item(session, tenant_calendar(session.tenant_id))
    marks = _marks(session.id)
    view.update(present=marks.get(True, 0), absent=marks.get(False, 0))
    return view


@training_api.route("/courses/<int:course_id>/sessions/")
class CourseSessions(MethodView):
    @require(VIEW)
    @training_api.arguments(SessionListArgs, location="query")
    @training_api.response(200, SessionPage)
    def get(self, args, course_id):
        """The course's sessions, in date order."""
        course = _course(course_id)
        query = select(TrainingSession).where(TrainingSession.course_id == course.id)
        page = paginate(query, args, {"starts_on": TrainingSession.starts_on},
                        (TrainingSession.starts_on, TrainingSession.start_time, TrainingSession.id))
        calendar = tenant_calendar(course.tenant_id)
        page["items"] = [_session_item(session, calendar) for session in page["items"]]
        return page

    @require(EDIT)
    @training_api.arguments(SessionWriteSchema)
    @training_api.response(201, SessionDetailSchema)
    def post(self, data, course_id):
        """Add a session between the course's first and last day (a public holiday or closure day is
        allowed: the session carries a warning). Its place defaults to the course's."""
        course = _course(course_id)
        try:
            session = courses.add_session(course, **data)
        except DomainError as error:
            refuse(error, "starts_on")
        db.session.commit()
        return session_view(_session(session.id))


@training_api.route("/sessions/<int:session_id>")
class SessionById(MethodView):
    @require(VIEW)
    @training_api.response(200, SessionDetailSchema)
    def get(self, session_id):
        """One session with how many people were marked present and absent."""
        return session_view(_session(session_id))


# --- attendance ---------------------------------------------------------------------------------------

def _roster_query(session: TrainingSession):
    return select(Enrolment).where(Enrolment.course_id == session.course_id).options(joinedload(Enrolment.contact))


def _attendance_result(session: TrainingSession, received: int, changed: int) -> dict[str, Any]:
    marks = _marks(session.id)
    return {"session_id": session.id, "received": received, "changed": changed, "present": marks.get(True, 0),
            "absent": marks.get(False, 0)}


@training_api.route("/sessions/<int:session_id>/attendance")
class SessionAttendance(MethodView):
    @require(VIEW)
    @training_api.arguments(AttendanceListArgs, location="query")
    @training_api.response(200, AttendancePage)
    def get(self, args, session_id):
        """Everyone enrolled in the session's course with their mark at the session (null: not recorded);
        protected people appear as a stand-in."""
        session = _session(session_id)
        page = paginate(_roster_query(session), args, {}, (Enrolment.id,))
        ids = [enrolment.id for enrolment in page["items"]]
        marks = {row.enrolment_id: row for row in db.session.scalars(select(Attendance).where(
            Attendance.session_id == session.id, Attendance.enrolment_id.in_(ids)))} if ids else {}
        lang = current_locale()
        page["items"] = [{"enrolment_id": enrolment.id, "contact_id": enrolment.contact_id,
                          "name": shown_name(enrolment.contact, lang, reveal=False), "status": enrolment.status,
                          "present": marks[enrolment.id].present if enrolment.id in marks else None,
                          "recorded_at": marks[enrolment.id].recorded_at if enrolment.id in marks else None}
                         for enrolment in page["items"]]
        return page

    @require(EDIT)
    @training_api.arguments(AttendanceBatchSchema)
    @training_api.response(200, AttendanceResultSchema)
    def put(self, data, session_id):
        """Record a batch of marks, all or nothing; a mark for someone not enrolled in the course is a 422
        naming the item. The same batch sent twice counts once."""
        return self._record(data, session_id)

    @require(EDIT)
    @training_api.arguments(AttendanceBatchSchema)
    @training_api.response(200, AttendanceResultSchema)
    def post(self, data, session_id):
        """The same as PUT (for clients that can only POST)."""
        return self._record(data, session_id)

    @staticmethod
    def _record(data: dict, session_id: int) -> dict[str, Any]:
        session = _session(session_id)
        items = data["items"]
        wanted = {item["enrolment_id"] for item in items}
        enrolments = {enrolment.id: enrolment for enrolment in db.session.scalars(select(Enrolment).where(
            Enrolment.id.in_(wanted)))}
        before = dict(db.session.execute(select(Attendance.enrolment_id, Attendance.present).where(
            Attendance.session_id == session.id, Attendance.enrolment_id.in_(wanted))).all())
        errors: dict[str, dict] = {}
        changed = 0
        for index, item in enumerate(items):
            enrolment = enrolments.get(item["enrolment_id"])
            if enrolment is None or enrolment.course_id != session.course_id:
                errors[str(index)] = {"enrolment_id": [_("This person is not enrolled in the session's course.")]}
                continue
            try:
                services.record_attendance(session, enrolment, item["present"], user_id=current_user.id)
            except DomainError as error:
                errors[str(index)] = {"present" if error.field == "enrolment" else error.field or "present":
                                      [str(error.message)]}
                continue
            if before.get(enrolment.id) is not item["present"]:
                changed += 1
                before[enrolment.id] = item["present"]
        if errors:
            refuse({"items": errors})
        db.session.commit()
        return _attendance_result(session, len(items), changed)


# --- enrolments ---------------------------------------------------------------------------------------

def _certificate_code(enrolment: Enrolment) -> str | None:
    valid = [certificate for certificate in enrolment.certificates if certificate.is_valid]
    return valid[-1].code if valid else None


def enrolment_view(enrolment: Enrolment, *, listed: bool) -> dict[str, Any]:
    """An enrolment as the token's user may see it: in lists a protected person is always a stand-in;
    one enrolment's own record shows the name to those allowed (the view is logged)."""
    contact = enrolment.contact
    shown = may_see_identity(contact) and not (listed and contact.protected)
    name = shown_name(contact, current_locale(), reveal=not listed)
    points = services.gain(enrolment.pre_score, enrolment.post_score, None).points
    return {"id": enrolment.id, "course_id": enrolment.course_id, "contact_id": enrolment.contact_id, "name": name,
            "identity_hidden": not shown, "status": enrolment.status, "source": enrolment.source,
            "pre_score": _float(enrolment.pre_score), "post_score": _float(enrolment.post_score),
            "gain": points, "certificate_code": _certificate_code(enrolment)}


def _enrolment(enrolment_id: int) -> Enrolment:
    enrolment = services.get_enrolment(enrolment_id, joinedload(Enrolment.contact), joinedload(Enrolment.course),
                                       selectinload(Enrolment.certificates))
    if enrolment is None:
        abort(404)
    return enrolment


def _enrolment_detail(enrolment_id: int) -> dict[str, Any]:
    enrolment = _enrolment(enrolment_id)
    view = enrolment_view(enrolment, listed=False)
    if not view["identity_hidden"] and enrolment.contact.protected:
        # Keep the log of this view: after a POST or PATCH has committed, nothing else would.
        db.session.commit()
    return view


@training_api.route("/enrolments/")
class Enrolments(MethodView):
    @require(VIEW)
    @training_api.arguments(EnrolmentListArgs, location="query")
    @training_api.response(200, EnrolmentPage)
    def get(self, args):
        """Enrolments (of one course with course_id), oldest first unless sorted; protected people appear
        as a stand-in."""
        query = select(Enrolment).options(joinedload(Enrolment.contact), selectinload(Enrolment.certificates))
        for name in ("course_id", "contact_id", "status"):
            if args.get(name):
                query = query.where(getattr(Enrolment, name) == args[name])
        page = paginate(query, args, {"id": Enrolment.id, "status": Enrolment.status}, (Enrolment.id,))
        page["items"] = [enrolment_view(enrolment, listed=True) for enrolment in page["items"]]
        return page

    @require(EDIT)
    @training_api.arguments(EnrolmentWriteSchema)
    @training_api.response(201, EnrolmentSchema)
    def post(self, data):
        """Enrol a person of your contacts in a named course; enrolling someone already enrolled returns
        their enrolment unchanged."""
        course = services.get_course(data["course_id"])
        contact = db.session.scalar(select(Contact).where(Contact.id == data["contact_id"]))
        errors = {}
        if course is None:
            errors["course_id"] = [_("Choose one of your courses.")]
        if contact is None:
            errors["contact_id"] = [_("Choose a person from your contacts.")]
        if errors:
            refuse(errors)
        try:
            enrolment = services.enrol(course, contact, status=data["status"])
        except DomainError as error:
            refuse(error, "course_id", {"contact": "contact_id"})
        db.session.commit()
        return _enrolment_detail(enrolment.id)


@training_api.route("/enrolments/<int:enrolment_id>")
class EnrolmentById(MethodView):
    @require(VIEW)
    @training_api.etag
    @training_api.response(200, EnrolmentSchema)
    def get(self, enrolment_id):
        """One enrolment with the person's name when the token's user may see it."""
        return _enrolment_detail(enrolment_id)

    @require(EDIT)
    @training_api.etag
    @training_api.arguments(EnrolmentPatchSchema(partial=True))
    @training_api.response(200, EnrolmentSchema)
    def patch(self, data, enrolment_id):
        """Change the status and the pre/post test scores. Send If-Match with the ETag you read."""
        enrolment = _enrolment(enrolment_id)
        training_api.check_etag(enrolment_view(enrolment, listed=False), EnrolmentSchema)
        try:
            if "pre_score" in data or "post_score" in data:
                services.set_scores(enrolment, data.get("pre_score", enrolment.pre_score),
                                    data.get("post_score", enrolment.post_score))
            if "status" in data:
                enrolment.status = data["status"]
            db.session.flush()
        except DomainError as error:
            refuse(error, "status")
        db.session.commit()
        db.session.expire_all()
        return _enrolment_detail(enrolment_id)


# --- reports ------------------------------------------------------------------------------------------

FIGURES = ("courses", "sessions", "people", "enrolments", "dropped", "women", "women_enrolments", "youth",
           "youth_known", "idpoor", "idpoor_known", "disability", "disability_known", "completed", "completion_base",
           "organisations", "scored", "gain_points", "gain_normalised", "women_percent", "youth_percent",
           "idpoor_percent", "disability_percent", "completion_percent", "gain_percent")


def _figures(figures: reports.Figures) -> dict[str, Any]:
    return {name: getattr(figures, name) for name in FIGURES}


def _breakdown(rows: list[reports.BreakdownRow]) -> list[dict[str, Any]]:
    return [{"key": row.key, "label": row.label, "named": _figures(row.named), "from_totals": _figures(row.from_totals),
             "total": _figures(row.total)} for row in rows]


def report_view(report: reports.TrainingReport) -> dict[str, Any]:
    return {
        "youth_band": {"min_age": report.youth_band[0], "max_age": report.youth_band[1]},
        "province_name": report.province_name,
        "named": _figures(report.named), "from_totals": _figures(report.from_totals), "total": _figures(report.total),
        "crosstab": [{"sex": row.sex, "youth": row.youth, "with_disability": row.with_disability,
                      "without_disability": row.without_disability, "disability_unknown": row.disability_unknown,
                      "total": row.total} for row in report.crosstab],
        "organisations_by_type": [{"type": value, "label": label, "organisations": number}
                                  for value, label, number in report.organisations_by_type],
        "by_province": _breakdown(report.by_province), "by_project": _breakdown(report.by_project),
        "by_curriculum": _breakdown(report.by_curriculum),
        "courses": [{"id": row.id, "kind": row.kind, "title": row.title, "starts_on": row.starts_on,
                     "ends_on": row.ends_on, "project": row.project, "curriculum": row.curriculum,
                     "province": row.province, "source": row.source, "figures": _figures(row.figures)}
                    for row in report.courses],
    }


@training_api.route("/reports")
class Report(MethodView):
    @require(VIEW)
    @training_api.arguments(ReportArgs, location="query")
    @training_api.response(200, ReportSchema)
    def get(self, args):
        """The training report for courses that start in the period, of a project, from a curriculum, in a
        province: named records and historical totals, disaggregated; the same figures as the report page."""
        filters = reports.ReportFilters(date_from=args.get("date_from"), date_to=args.get("date_to"),
                                        project_id=args.get("project_id"), curriculum_id=args.get("curriculum_id"),
                                        province_code=args.get("province"))
        return report_view(reports.compute(filters, g.tenant.id))


# --- files: curriculum files and signed attendance sheets (core/api/files.py) --------------------------

def _curriculum_file_view(curriculum_id: int, stored) -> dict[str, Any]:
    return file_view(stored, url_for("training_api.CurriculumFileById", curriculum_id=curriculum_id, file_id=stored.id),
                     version_id=stored.version_id, created_at=stored.created_at)


@training_api.route("/curricula/<int:curriculum_id>/files/")
class CurriculumFiles(MethodView):
    @require(VIEW)
    @training_api.arguments(FileListArgs, location="query")
    @training_api.response(200, TrainingFilePage)
    def get(self, args, curriculum_id):
        """The files (manuals, slides, handouts) of every version of the curriculum, oldest first."""
        curriculum = _curriculum(curriculum_id)
        query = select(CurriculumFile).join(CurriculumFile.version).where(
            CurriculumVersion.curriculum_id == curriculum.id)
        page = paginate(query, args, {"created_at": CurriculumFile.created_at},
                        (CurriculumFile.created_at, CurriculumFile.id))
        page["items"] = [_curriculum_file_view(curriculum.id, stored) for stored in page["items"]]
        return page


@training_api.route("/curricula/<int:curriculum_id>/versions/<int:version_id>/files")
class CurriculumVersionFiles(MethodView):
    @require(CURRICULA_EDIT)
    @training_api.arguments(FileUploadSchema, location="files")
    @training_api.response(201, TrainingFileSchema)
    def post(self, files, curriculum_id, version_id):
        """Add a file to a version of the curriculum, as on its page: PDF, Word (.docx), OpenDocument
        (.odt), PowerPoint (.pptx), Excel (.xlsx), PNG or JPEG, at most 20 MB, content matching the name."""
        curriculum = _curriculum(curriculum_id)
        version = curricula.get_version(curriculum, version_id) or abort(404)
        upload = as_upload(files["file"], curricula.MAX_FILE_BYTES)
        if upload is None:
            refuse({"file": [_("Choose a file to upload.")]})
        stored = save_or_422(lambda: curricula.add_file(version, upload))
        db.session.commit()
        return _curriculum_file_view(curriculum.id, stored)


@training_api.route("/curricula/<int:curriculum_id>/files/<int:file_id>")
class CurriculumFileById(MethodView):
    @require(VIEW)
    @download_doc(training_api, [content_type for content_type, _signatures in curricula.ALLOWED.values()],
                  "The curriculum's file.")
    def get(self, curriculum_id, file_id):
        """Download a file of the curriculum."""
        stored = curricula.get_file(_curriculum(curriculum_id), file_id) or abort(404)
        return download(curricula.file_path(stored), content_type=stored.content_type,
                        download_name=stored.display_name)


def _attendance_session(session_id: int) -> TrainingSession:
    """A session of a course run here (a historical course has no attendance sheet): else 404."""
    session = attendance.get_session(session_id)
    if session is None or session.course.is_historical:
        abort(404)
    return session


@training_api.route("/sessions/<int:session_id>/sheet")
class SessionSheet(MethodView):
    @require(VIEW)
    @download_doc(training_api, attendance.SHEET_CONTENT_TYPES.values(), "The signed attendance sheet.")
    def get(self, session_id):
        """Download the scan or photo of the session's signed attendance sheet (404 without one)."""
        session = _attendance_session(session_id)
        path = attendance.sheet_path(session)
        return download(path, content_type=session.sheet_content_type,
                        download_name=session.sheet_display_name or (path.name if path else None))

    @require(EDIT)
    @training_api.arguments(FileUploadSchema, location="files")
    @training_api.response(204)
    def put(self, files, session_id):
        """Attach (or replace) the signed attendance sheet, as on the attendance page: a PDF, JPEG or PNG
        of at most 10 MB whose content matches its name."""
        session = _attendance_session(session_id)
        upload = files["file"]
        data = upload.stream.read(attendance.SHEET_MAX_BYTES + 1) if upload else b""
        save_or_422(lambda: attendance.save_sheet(session, getattr(upload, "filename", None), data),
                    aliases=("sheet",))
        db.session.commit()


def _certificate_course(course_id: int) -> Course:
    """A course run here (a historical course issues no certificates): else 404."""
    course = services.get_course(course_id)
    if course is None or course.kind is CourseKind.HISTORICAL:
        abort(404)
    return course


@training_api.route("/courses/<int:course_id>/signature")
class CourseSignature(MethodView):
    @require(VIEW)
    @download_doc(training_api, ("image/png", "image/jpeg"), "The signature printed on the course's certificates.")
    def get(self, course_id):
        """The picture of the signature printed on the course's certificates (404 without one)."""
        path = certificates.signature_path(_certificate_course(course_id))
        content_type = "image/png" if path is not None and path.suffix == ".png" else "image/jpeg"
        return download(path, content_type=content_type, inline=True)

    @require("training.certificates.issue")
    @training_api.arguments(FileUploadSchema, location="files")
    @training_api.response(204)
    def put(self, files, course_id):
        """Set or replace the signature image of the course's certificates, as on the certificates page:
        a readable PNG or JPEG picture of at most 2 MB. The signatory's name and title stay as they are."""
        course = _certificate_course(course_id)
        save_or_422(lambda: certificates.update_signatory(course, name=course.signatory_name,
                                                          title=course.signatory_title, upload=files["file"]),
                    aliases=("signature",))
        db.session.commit()

    @require("training.certificates.issue")
    @training_api.response(204)
    def delete(self, course_id):
        """Remove the signature image (certificates are then printed without one)."""
        course = _certificate_course(course_id)
        certificates.update_signatory(course, name=course.signatory_name, title=course.signatory_title,
                                      remove_image=True)
        db.session.commit()
