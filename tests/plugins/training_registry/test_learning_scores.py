"""The scores sheet of a course: editors enter every participant's pre and post score at once (all
or nothing), everyone who may see courses reads each person's and the course's learning gain."""
from __future__ import annotations

import html
import re
from decimal import Decimal

from sqlalchemy import select

from core.extensions import db
from core.models import Role
from core.models.audit import AuditEvent
from core.tenancy import tenant_scope
from plugins.training_registry import learning
from plugins.training_registry.models import Course, Enrolment
from tests.helpers import login, make_member, statements_for
from tests.plugins.training_registry.conftest import add_course, add_people


def scores_url(tenant, course) -> str:
    return f"/t/{tenant.slug}/training/courses/{course.id}/scores"


def text_of(fragment: str) -> str:
    """What a reader sees of an HTML fragment: tags dropped, entities read, spaces squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def row_of(page: str, name: str) -> str:
    """The table row that names `name`, as text."""
    rows = [row for row in re.findall(r"<tr[^>]*>.*?</tr>", page, re.DOTALL) if name in text_of(row)]
    assert len(rows) == 1, f"{len(rows)} rows name {name}"
    return text_of(rows[0])


def input_value(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert tag, f"no input {name}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


def field_error(page: str, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', page, re.DOTALL)
    return text_of(match.group(1)) if match else ""


def enrolments_by_name(course) -> dict[str, Enrolment]:
    return {enrolment.contact.name_latin: enrolment for enrolment in db.session.scalars(
        select(Enrolment).where(Enrolment.course_id == course.id))}


def set_scores(tenant, course, scores: dict[str, tuple]) -> dict[str, Enrolment]:
    """Store (pre, post) per participant's Latin name, straight in the database."""
    with tenant_scope(tenant.id):
        enrolments = enrolments_by_name(course)
        for name, (pre, post) in scores.items():
            enrolments[name].pre_score = None if pre is None else Decimal(str(pre))
            enrolments[name].post_score = None if post is None else Decimal(str(post))
        db.session.commit()
    return enrolments


def stored(tenant, course) -> dict[str, tuple]:
    db.session.expire_all()
    with tenant_scope(tenant.id):
        return {name: (enrolment.pre_score, enrolment.post_score)
                for name, enrolment in enrolments_by_name(course).items()}


HAND_COMPUTED = {"Sok Sreyny": (8, 14),      # +6 of the 12 still possible: 50 %
                 "Chan Dara": (10, 15),      # +5 of 10: 50 %
                 "Keo Mealea": (20, 18),     # already at the maximum: −2, no normalised gain
                 "Heng Vichet": (5, None)}   # no post-test: not counted


def test_each_person_and_the_course_show_hand_computed_gains(staff_client, tenant, enrolled):
    set_scores(tenant, enrolled, HAND_COMPUTED)
    page = staff_client.get(scores_url(tenant, enrolled)).get_data(as_text=True)
    assert row_of(page, "Sok Sreyny").endswith("+6 50%")
    assert row_of(page, "Chan Dara").endswith("+5 50%")
    assert row_of(page, "Keo Mealea").endswith("-2 —")
    assert row_of(page, "Heng Vichet").endswith("— —")
    assert input_value(page, f"pre_{enrolments_by_name(enrolled)['Sok Sreyny'].id}") == "8"
    course_line = text_of(page.split("<h2>Participants</h2>")[0])
    assert "Maximum score of each test: 20" in course_line
    # Three took both tests: pre (8 + 10 + 20) / 3, post (14 + 15 + 18) / 3, points (6 + 5 − 2) / 3,
    # normalised (50 % + 50 %) / 2 (Keo Mealea's cannot be computed).
    assert "Participants with both scores 3" in course_line
    assert "Average pre-test score 12.67" in course_line
    assert "Average post-test score 15.67" in course_line
    assert "Average points gained +3" in course_line
    assert "Average normalised gain 50%" in course_line


def test_the_shared_functions_give_the_same_figures(tenant, enrolled):
    set_scores(tenant, enrolled, HAND_COMPUTED)
    with tenant_scope(tenant.id):
        gain = learning.course_gain(enrolled)
    assert gain.points == 3.0 and gain.normalised == 0.5


def test_a_protected_participant_is_never_named_in_the_sheet(admin_client, tenant, enrolled):
    page = admin_client.get(scores_url(tenant, enrolled)).get_data(as_text=True)
    assert "Sean Pisey" not in page and "ស៊ាន ពិសី" not in page
    protected = enrolments_by_name(enrolled)["Sean Pisey"]
    assert f"Protected person #{protected.contact_id}" in page


def sheet(course, tenant, values: dict[str, tuple], maximum="20") -> dict[str, str]:
    """A whole submission: (pre, post) typed per Latin name, the others sent as stored (blank)."""
    with tenant_scope(tenant.id):
        enrolments = enrolments_by_name(course)
    form = {"test_max_score": maximum}
    for name, enrolment in enrolments.items():
        pre, post = values.get(name, ("", ""))
        form[f"pre_{enrolment.id}"] = pre
        form[f"post_{enrolment.id}"] = post
    return form


def test_an_editor_saves_every_row_at_once_and_each_change_is_audited(staff_client, tenant, enrolled):
    response = staff_client.post(scores_url(tenant, enrolled), data=sheet(enrolled, tenant, {
        "Sok Sreyny": ("8", "14"), "Chan Dara": ("10.5", "15.25"), "Keo Mealea": ("៧", "")}))
    assert response.status_code == 302
    assert stored(tenant, enrolled) == {
        "Sok Sreyny": (Decimal(8), Decimal(14)), "Chan Dara": (Decimal("10.5"), Decimal("15.25")),
        "Keo Mealea": (Decimal(7), None), "Heng Vichet": (None, None), "Sean Pisey": (None, None)}
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Scores saved." in page and row_of(page, "Sok Sreyny").endswith("+6 50%")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.model == "Enrolment",
                                                         AuditEvent.action == "update")).all()
    assert len(events) == 3


def test_a_blank_score_means_the_test_was_not_taken(staff_client, tenant, enrolled):
    set_scores(tenant, enrolled, {"Sok Sreyny": (8, 14)})
    response = staff_client.post(scores_url(tenant, enrolled), data=sheet(enrolled, tenant, {
        "Sok Sreyny": ("8", "")}))
    assert response.status_code == 302
    assert stored(tenant, enrolled)["Sok Sreyny"] == (Decimal(8), None)


def test_one_bad_value_saves_nothing_and_is_shown_on_its_row(staff_client, tenant, enrolled):
    set_scores(tenant, enrolled, {"Sok Sreyny": (8, 14)})
    before = stored(tenant, enrolled)
    ids = {name: enrolment.id for name, enrolment in enrolments_by_name(enrolled).items()}
    response = staff_client.post(scores_url(tenant, enrolled), data=sheet(enrolled, tenant, {
        "Sok Sreyny": ("9", "16"),           # fine on its own
        "Chan Dara": ("10", "26"),           # above the (new) maximum
        "Keo Mealea": ("-1", "12"),          # negative
        "Heng Vichet": ("ten", "12.555")},   # not a number, three decimals
        maximum="25"))                       # a new maximum, fine on its own
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was saved: correct the marked values." in page
    assert field_error(page, f"post_{ids['Chan Dara']}") == "A score must be between 0 and the test's maximum, 25."
    assert field_error(page, f"pre_{ids['Keo Mealea']}") == "A score cannot be negative."
    assert field_error(page, f"pre_{ids['Heng Vichet']}") == "Give a number, for example 14 or 14.5."
    assert field_error(page, f"post_{ids['Heng Vichet']}") == "Give the number with at most two decimals."
    assert field_error(page, f"pre_{ids['Sok Sreyny']}") == ""
    assert 'aria-invalid="true"' in re.search(rf'<input[^>]*name="post_{ids["Chan Dara"]}"[^>]*>', page).group(0)
    # What was typed stays in the form, and nothing reached the database.
    assert input_value(page, f"post_{ids['Chan Dara']}") == "26" and input_value(page, f"pre_{ids['Sok Sreyny']}") == "9"
    assert stored(tenant, enrolled) == before
    with tenant_scope(tenant.id):
        assert db.session.get(Course, enrolled.id).test_max_score == Decimal(20)
    assert row_of(page, "Sok Sreyny").endswith("+6 50%")     # the figures are still the saved ones


def test_the_maximum_cannot_drop_below_a_recorded_score(staff_client, tenant, enrolled):
    set_scores(tenant, enrolled, {"Sok Sreyny": (8, 14)})
    ids = {name: enrolment.id for name, enrolment in enrolments_by_name(enrolled).items()}
    response = staff_client.post(scores_url(tenant, enrolled), data=sheet(enrolled, tenant, {
        "Sok Sreyny": ("8", "14")}, maximum="10"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "test_max_score").startswith("Some recorded scores are above this maximum")
    assert field_error(page, f"post_{ids['Sok Sreyny']}") == "A score must be between 0 and the test's maximum, 10."
    with tenant_scope(tenant.id):
        assert db.session.get(Course, enrolled.id).test_max_score == Decimal(20)
    # Removing the maximum while scores are recorded is refused too.
    response = staff_client.post(scores_url(tenant, enrolled), data=sheet(enrolled, tenant, {
        "Sok Sreyny": ("8", "14")}, maximum=""))
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "test_max_score") == \
        "Scores are recorded: the maximum cannot be removed."
    # Lowering the score in the same submission makes the lower maximum fine.
    response = staff_client.post(scores_url(tenant, enrolled), data=sheet(enrolled, tenant, {
        "Sok Sreyny": ("8", "9")}, maximum="10"))
    assert response.status_code == 302
    with tenant_scope(tenant.id):
        assert db.session.get(Course, enrolled.id).test_max_score == Decimal(10)
    assert stored(tenant, enrolled)["Sok Sreyny"] == (Decimal(8), Decimal(9))


def test_the_maximum_must_be_a_positive_number(staff_client, tenant, enrolled):
    for typed, message in (("0", "The maximum score must be more than 0."), ("abc", "Give a number, for example 14 or 14.5."),
                           ("-5", "A score cannot be negative.")):
        response = staff_client.post(scores_url(tenant, enrolled), data=sheet(enrolled, tenant, {}, maximum=typed))
        assert response.status_code == 422
        assert field_error(response.get_data(as_text=True), "test_max_score") == message


def test_scores_need_the_maximum_first(staff_client, tenant, people):
    course = add_course(tenant, title_en="Budget monitoring", test_max_score=None)
    with tenant_scope(tenant.id):
        from plugins.training_registry import services
        services.enrol(course, people[0])
        db.session.commit()
    response = staff_client.post(scores_url(tenant, course), data=sheet(course, tenant, {
        "Sok Sreyny": ("8", "14")}, maximum=""))
    assert response.status_code == 422
    assert "Set the course&#39;s maximum test score before recording scores." in response.get_data(as_text=True)
    assert stored(tenant, course)["Sok Sreyny"] == (None, None)
    # The maximum and the scores in one submission are fine.
    response = staff_client.post(scores_url(tenant, course), data=sheet(course, tenant, {
        "Sok Sreyny": ("8", "14")}, maximum="20"))
    assert response.status_code == 302
    assert stored(tenant, course)["Sok Sreyny"] == (Decimal(8), Decimal(14))


def test_a_person_enrolled_while_the_sheet_was_open_keeps_their_scores(staff_client, tenant, enrolled):
    set_scores(tenant, enrolled, {"Sean Pisey": (12, 16)})
    form = sheet(enrolled, tenant, {"Sok Sreyny": ("8", "14")})
    pisey = enrolments_by_name(enrolled)["Sean Pisey"].id
    del form[f"pre_{pisey}"], form[f"post_{pisey}"]     # not on the page the editor opened
    assert staff_client.post(scores_url(tenant, enrolled), data=form).status_code == 302
    assert stored(tenant, enrolled)["Sean Pisey"] == (Decimal(12), Decimal(16))


def test_a_viewer_reads_the_scores_but_cannot_save_them(client, tenant, enrolled):
    viewer = make_member(tenant, Role.VIEWER)
    login(client, viewer.email)
    set_scores(tenant, enrolled, {"Sok Sreyny": (8, 14)})
    response = client.get(scores_url(tenant, enrolled))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert row_of(page, "Sok Sreyny") == "Sok Sreyny / សុខ ស្រីនី 8 14 +6 50%"
    assert "<input" not in page.split("<main")[1] and "Save scores" not in page
    response = client.post(scores_url(tenant, enrolled), data=sheet(enrolled, tenant, {"Sok Sreyny": ("1", "2")}))
    assert response.status_code == 403
    assert stored(tenant, enrolled)["Sok Sreyny"] == (Decimal(8), Decimal(14))


def test_another_organisations_course_is_not_found(client, tenant, other_tenant):
    course = add_course(other_tenant, title_en="Their course")
    people = add_people(other_tenant)
    with tenant_scope(other_tenant.id):
        from plugins.training_registry import services
        services.enrol(db.session.get(Course, course.id), people[0])
        db.session.commit()
    staff = make_member(tenant, Role.STAFF)
    login(client, staff.email)
    assert client.get(scores_url(tenant, course)).status_code == 404
    assert client.post(scores_url(tenant, course), data={"test_max_score": "5"}).status_code == 404
    with tenant_scope(other_tenant.id):
        assert db.session.get(Course, course.id).test_max_score == Decimal(20)
    # Nor through the other organisation's address, of which this user is no member.
    assert client.get(scores_url(other_tenant, course)).status_code in (403, 404)


def test_the_sheet_costs_the_same_queries_for_one_or_many_participants(staff_client, tenant, people):
    from plugins.training_registry import services
    small = add_course(tenant, title_en="Small")
    large = add_course(tenant, title_en="Large")
    crowd = add_people(tenant, [(f"ឈ្មោះ {n}", f"Person {n}", *rest) for n, (_km, _latin, *rest) in
                                enumerate(people_rows() * 6)])
    with tenant_scope(tenant.id):
        services.enrol(small, people[0])
        for person in crowd:
            enrolment = services.enrol(large, person)
            enrolment.pre_score, enrolment.post_score = Decimal(5), Decimal(15)
        db.session.commit()
    staff_client.get(scores_url(tenant, small))   # warm the caches
    assert statements_for(staff_client, scores_url(tenant, small)) == \
        statements_for(staff_client, scores_url(tenant, large))


def people_rows():
    from tests.plugins.training_registry.conftest import PEOPLE
    return PEOPLE
