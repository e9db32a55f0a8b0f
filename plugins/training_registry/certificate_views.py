"""Certificates pages: a course's certificates (who is eligible, what was issued, issue / re-issue /
revoke, PDFs one by one or as a bundle, the signatory), and the public /verify/<code> page."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from core import uploads
from core.errors import DomainError, form_status, show_on_form
from core.extensions import db
from core.i18n import current_locale
from core.permissions import require
from core.registers.models import Contact
from core.registers.protection import log_identity_view, may_see_identity, shown_name
from core.web import public
from plugins.training_registry import certificate_pdf, certificates, services
from plugins.training_registry.certificate_forms import IssueForm, ReasonForm, SignatoryForm
from plugins.training_registry.models import Certificate, Course, CourseKind, Enrolment, EnrolmentStatus

certificates_bp = Blueprint("training_certificates", __name__, url_prefix="/t/<tenant_slug>/training/certificates",
                            template_folder="templates")
verify_bp = Blueprint("certificate_verify", __name__, url_prefix="/verify", template_folder="templates")


# --- who the reader may see ----------------------------------------------------------------------------

def may_see(contact: Contact) -> bool:
    """Do No Harm, decided by the core: a protected participant, and their certificates, exist on
    these pages only for roles allowed to see protected identities."""
    return not contact.protected or may_see_identity(contact)


def printable(contact: Contact) -> bool:
    """A certificate can be printed for a person the reader may see who still has a name."""
    return not contact.is_erased and may_see(contact)


@dataclass
class Row:
    enrolment: Enrolment
    name: str
    completion: services.Completion
    eligible: bool
    valid: Certificate | None = None
    earlier: list[Certificate] = field(default_factory=list)    # revoked or replaced, newest first


def _course_or_404(course_id: int) -> Course:
    course = services.get_course(course_id, joinedload(Course.organiser))
    if course is None or course.kind is CourseKind.HISTORICAL:
        abort(404)
    return course


def course_rows(course: Course) -> tuple[list[Row], int]:
    """The participants the reader may see, with their standing and certificates, and how many
    protected ones were left out. A fixed number of queries, whatever the number of participants."""
    enrolments = db.session.scalars(select(Enrolment).where(Enrolment.course_id == course.id).options(
        joinedload(Enrolment.contact)).order_by(Enrolment.id)).all()
    issued: dict[int, list[Certificate]] = {}
    for certificate in db.session.scalars(select(Certificate).join(Enrolment).where(
            Enrolment.course_id == course.id).order_by(Certificate.id.desc())):
        issued.setdefault(certificate.enrolment_id, []).append(certificate)
    standing = services.completions(course)
    locale = current_locale()
    rows, left_out = [], 0
    for enrolment in enrolments:
        contact = enrolment.contact
        if not may_see(contact):
            left_out += 1
            continue
        held = issued.get(enrolment.id, [])
        valid = next((c for c in held if c.is_valid), None)
        rows.append(Row(enrolment=enrolment, name=shown_name(contact, locale), completion=standing[enrolment.id],
                        eligible=certificates.is_eligible(enrolment, standing[enrolment.id]), valid=valid,
                        earlier=[c for c in held if c is not valid]))
    rows.sort(key=lambda row: (row.name.casefold(), row.enrolment.id))
    return rows, left_out


def _render_course(course: Course, *, issue_form: IssueForm | None = None,
                   signatory_form: SignatoryForm | None = None, status: int = 200):
    rows, left_out = course_rows(course)
    if signatory_form is None:
        signatory_form = SignatoryForm(formdata=None, signatory_name=course.signatory_name,
                                       signatory_title=course.signatory_title)
    return render_template(
        "training_registry/certificates/course.html", course=course, rows=rows, left_out=left_out,
        issue_form=issue_form or IssueForm(formdata=None), signatory_form=signatory_form,
        has_signature=certificates.signature_path(course) is not None,
        eligible_without=sum(1 for row in rows if row.eligible and row.valid is None),
        issued_count=sum(1 for row in rows if row.valid is not None),
        EnrolmentStatus=EnrolmentStatus, code=certificates.format_code), status


# --- the course's certificates page -----------------------------------------------------------------------

@certificates_bp.get("/courses/<int:course_id>")
@require("training.view")
def course(course_id: int):
    # Names of protected participants shown to allowed roles are logged as viewed (shown_name) and
    # kept by the core's after-request hook.
    return _render_course(_course_or_404(course_id))


@certificates_bp.post("/courses/<int:course_id>/issue")
@require("training.certificates.issue")
def issue(course_id: int):
    course = _course_or_404(course_id)
    form = IssueForm()
    enrolment = services.get_enrolment(_int(form.enrolment_id.data), joinedload(Enrolment.contact))
    if enrolment is None or enrolment.course_id != course.id or not may_see(enrolment.contact):
        abort(404)
    try:
        certificate = certificates.issue(enrolment, issued_by_id=current_user.id)
    except DomainError as error:
        db.session.rollback()
        show_on_form(form, error)
        return _render_course(course, issue_form=form, status=422)
    db.session.commit()
    flash(_("Certificate %(code)s issued.", code=certificates.format_code(certificate.code)), "success")
    return redirect(url_for("training_certificates.course", course_id=course.id))


@certificates_bp.post("/courses/<int:course_id>/issue-all")
@require("training.certificates.issue")
def issue_all(course_id: int):
    course = _course_or_404(course_id)     # the CSRF token is checked by the app's CSRFProtect
    issued = certificates.issue_all(course, issued_by_id=current_user.id)
    db.session.commit()
    if issued:
        flash(ngettext("%(num)d certificate issued.", "%(num)d certificates issued.", len(issued)), "success")
    else:
        flash(_("Everyone who completed the course already has a certificate."), "success")
    return redirect(url_for("training_certificates.course", course_id=course.id))


def _certificate_or_404(certificate_id: int) -> Certificate:
    certificate = certificates.get_certificate(certificate_id)
    if certificate is None or not may_see(certificate.enrolment.contact):
        abort(404)
    return certificate


def _reason_action(certificate_id: int, action, done_message, template_title: str):
    """The re-issue and revoke pages: a reason, then `action`; `done_message(code)` is flashed."""
    certificate = _certificate_or_404(certificate_id)
    course = certificate.enrolment.course
    if not certificate.is_valid:
        flash(_("This certificate was already revoked."), "error")
        return redirect(url_for("training_certificates.course", course_id=course.id))
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            result = action(certificate, form.reason.data, current_user._get_current_object())
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error, default="reason")
        else:
            db.session.commit()
            flash(done_message(certificates.format_code(result.code)), "success")
            return redirect(url_for("training_certificates.course", course_id=course.id))
    return render_template("training_registry/certificates/reason.html", form=form, certificate=certificate,
                           course=course, title=template_title, code=certificates.format_code,
                           name=shown_name(certificate.enrolment.contact, current_locale())), form_status(form)


@certificates_bp.route("/<int:certificate_id>/reissue", methods=["GET", "POST"])
@require("training.certificates.revoke")
def reissue(certificate_id: int):
    return _reason_action(certificate_id, certificates.reissue,
                          lambda code: _("New certificate %(code)s issued; the old one is revoked.", code=code),
                          _("Re-issue a certificate"))


@certificates_bp.route("/<int:certificate_id>/revoke", methods=["GET", "POST"])
@require("training.certificates.revoke")
def revoke(certificate_id: int):
    return _reason_action(certificate_id, certificates.revoke,
                          lambda code: _("Certificate %(code)s revoked.", code=code), _("Revoke a certificate"))


# --- PDFs ----------------------------------------------------------------------------------------------------

def _pdf_response(pdf: bytes, filename: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@certificates_bp.get("/<int:certificate_id>/certificate.pdf")
@require("training.view")
def download(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    contact = certificate.enrolment.contact
    if not certificate.is_valid or not printable(contact):
        abort(404)
    log_identity_view(contact)
    content = certificate_pdf.certificate_content(certificate, g.tenant)
    return _pdf_response(certificate_pdf.render([content]),
                         f"certificate-{certificates.format_code(certificate.code)}.pdf")


@certificates_bp.get("/courses/<int:course_id>/certificates.pdf")
@require("training.view")
def bundle(course_id: int):
    """Every valid certificate of the course the reader may see, one page each; protected people's
    certificates are left out for roles that may not see them (the page says how many)."""
    course = _course_or_404(course_id)
    valid = db.session.scalars(select(Certificate).join(Enrolment).where(
        Enrolment.course_id == course.id, Certificate.revoked_at.is_(None)).options(
        joinedload(Certificate.enrolment).joinedload(Enrolment.contact))).all()
    shown = [c for c in valid if printable(c.enrolment.contact)]
    if not shown:
        flash(_("There is no certificate to download yet."), "error")
        return redirect(url_for("training_certificates.course", course_id=course.id))
    shown.sort(key=lambda c: ((c.enrolment.contact.name_latin or c.enrolment.contact.name_km).casefold(), c.id))
    signatures: dict = {}
    contents = []
    for certificate in shown:     # each enrolment's course is `course`, found in the session: no query
        log_identity_view(certificate.enrolment.contact)
        contents.append(certificate_pdf.certificate_content(certificate, g.tenant, signatures))
    response = _pdf_response(certificate_pdf.render(contents), f"certificates-course-{course.id}.pdf")
    response.headers["X-Certificates-Left-Out"] = str(len(valid) - len(shown))
    return response


# --- the signatory -------------------------------------------------------------------------------------------

@certificates_bp.post("/courses/<int:course_id>/signatory")
@require("training.certificates.issue")
def signatory(course_id: int):
    course = _course_or_404(course_id)
    form = SignatoryForm()
    if form.validate_on_submit():
        try:
            certificates.update_signatory(course, name=form.signatory_name.data or "",
                                          title=form.signatory_title.data or "", upload=form.signature.data,
                                          remove_image=form.remove_signature.data)
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error, default="signature")
        else:
            db.session.commit()
            flash(_("The signatory of the certificates was saved."), "success")
            return redirect(url_for("training_certificates.course", course_id=course.id) + "#signatory")
    return _render_course(_course_or_404(course_id), signatory_form=form, status=422)


@certificates_bp.get("/courses/<int:course_id>/signature")
@require("training.view")
def signature(course_id: int):
    course = _course_or_404(course_id)
    path = certificates.signature_path(course)
    if path is None or not uploads.is_stored(path):
        abort(404)
    mimetype = "image/png" if path.suffix == ".png" else "image/jpeg"
    response = uploads.send_inline(path, content_type=mimetype)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        abort(400)


# --- the public check ----------------------------------------------------------------------------------------

def _not_indexed(response: Response) -> Response:
    # A certificate's status changes (revoked, replaced) and a name must not linger in caches or
    # search engines.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@verify_bp.get("/<code>")
@public
def verify(code: str):
    """Anyone holding a code (printed, or in the QR code) may check the certificate, without logging in.
    Shown: the name (never a protected person's), course, dates, issuing organisation and status."""
    found = certificates.verification(code) if len(code) <= 64 else None
    if found is None:
        return _not_indexed(Response(render_template("training_registry/certificates/verify_unknown.html"),
                                     status=404))
    return _not_indexed(Response(render_template("training_registry/certificates/verify.html", found=found,
                                                 code=certificates.format_code(certificates.normalise_code(code)))))
