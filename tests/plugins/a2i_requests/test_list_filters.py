"""The requests list's body and assignee filters are typed, not chosen from selects of every body
and member (which cost most of the page's time and a phone's screen): a name or code typed without
JavaScript filters the list, an ambiguous one offers its candidates, the type-ahead's chosen id is
used as it is, and a wrong value is named and ignored."""
from __future__ import annotations

import re

from core.extensions import db
from core.models import Role
from core.registers.models import Institution, InstitutionKind
from tests.helpers import make_member
from tests.plugins.a2i_requests.test_request_pages import make_request, url


def add_body(code: str, name_en: str, name_km: str = "", **fields) -> Institution:
    body = Institution(code=code, kind=InstitutionKind.MINISTRY, name_en=name_en, name_km=name_km or name_en,
                       **fields)
    db.session.add(body)
    db.session.commit()
    return body


def colleague(tenant, email: str, name: str):
    user = make_member(tenant, Role.STAFF, email=email)
    user.name = name
    db.session.commit()
    return user


def subjects(page: str) -> set[str]:
    return set(re.findall(r"<td>(Request to [^<]+)</td>", page))


def test_the_list_has_no_select_of_every_body_or_member(staff_client, tenant, staff, ministry):
    for number in range(30):
        colleague(tenant, f"colleague{number}@example.org", f"Colleague {number:02d}")
    add_body("MOE", "Ministry of Environment")
    page = staff_client.get(url(tenant, "/requests/")).text
    assert "Colleague 07" not in page and "Ministry of Environment" not in page
    assert 'name="body"' in page and 'name="assignee"' in page
    assert page.count("<option") < 30     # status and sort only


def test_a_typed_body_name_filters_without_javascript(staff_client, tenant, staff, ministry):
    environment = add_body("MOE", "Ministry of Environment", "ក្រសួងបរិស្ថាន")
    make_request(tenant, staff, ministry, subject="Request to information")
    make_request(tenant, staff, environment, subject="Request to environment")
    by_name = staff_client.get(url(tenant, "/requests/?body=environment")).text
    by_code = staff_client.get(url(tenant, "/requests/?body=MOI")).text
    by_khmer = staff_client.get(url(tenant, "/requests/?body=បរិស្ថាន")).text
    assert subjects(by_name) == {"Request to environment"} == subjects(by_khmer)
    assert subjects(by_code) == {"Request to information"}
    assert 'value="MOE Ministry of Environment"' in by_name      # the box shows what was chosen


def test_the_type_ahead_choice_is_used_as_it_is(staff_client, tenant, staff, ministry):
    make_request(tenant, staff, ministry, subject="Request to information")
    chosen = staff_client.get(url(tenant, f"/requests/?body=MOI+Ministry+of+Information&body-id={ministry.id}")).text
    assert subjects(chosen) == {"Request to information"}
    assert "Page 1 of" not in chosen or "Some filters" not in chosen


def test_an_ambiguous_body_offers_the_candidates_and_filters_nothing(staff_client, tenant, staff, ministry):
    environment = add_body("MOE", "Ministry of Environment")
    make_request(tenant, staff, ministry, subject="Request to information")
    make_request(tenant, staff, environment, subject="Request to environment")
    page = staff_client.get(url(tenant, "/requests/?body=Ministry")).text
    assert "Several institutions match" in page and "Some filters were not understood" in page
    offered = set(re.findall(r'name="body-id" type="radio" value="(\d+)"', page))
    assert offered == {str(environment.id), str(ministry.id)}
    assert subjects(page) == {"Request to information", "Request to environment"}


def test_a_former_body_can_still_be_filtered_on(staff_client, tenant, staff, ministry):
    from datetime import date
    abolished = add_body("MOX", "Ministry of Posts", valid_to=date(2020, 1, 1))
    make_request(tenant, staff, abolished, subject="Request to posts")
    page = staff_client.get(url(tenant, "/requests/?body=Posts")).text
    assert subjects(page) == {"Request to posts"}


def test_a_typed_member_filters_by_assignee(staff_client, tenant, staff, ministry):
    dara = colleague(tenant, "dara@example.org", "Sok Dara")
    make_request(tenant, staff, ministry, subject="Request to Dara", assignee_id=dara.id)
    make_request(tenant, staff, ministry, subject="Request to staff", assignee_id=staff.id)
    by_name = staff_client.get(url(tenant, "/requests/?assignee=dara")).text
    by_id = staff_client.get(url(tenant, f"/requests/?assignee=Sok+Dara&assignee-id={dara.id}")).text
    assert subjects(by_name) == {"Request to Dara"} == subjects(by_id)


def test_another_tenants_member_or_private_body_is_not_found(staff_client, tenant, other_tenant, staff, ministry):
    stranger = colleague(other_tenant, "stranger@example.org", "Stranger Person")
    add_body("PRIV", "Battambang private office", owner_tenant_id=other_tenant.id)
    make_request(tenant, staff, ministry, subject="Request to information")
    page = staff_client.get(url(tenant, f"/requests/?assignee=Stranger&assignee-id={stranger.id}")).text
    assert "No member matches" in page and subjects(page) == {"Request to information"}
    page = staff_client.get(url(tenant, "/requests/?body=Battambang+private")).text
    assert "No institution matches" in page
    members = staff_client.get(f"/t/{tenant.slug}/members/picker?q=stranger").get_json()
    bodies = staff_client.get(f"/t/{tenant.slug}/institutions/picker?q=Battambang").get_json()
    assert members == [] and bodies == []


def test_the_pickers_answer_matches_in_the_users_language(staff_client, tenant, staff, ministry):
    colleague(tenant, "dara@example.org", "Sok Dara")
    members = staff_client.get(f"/t/{tenant.slug}/members/picker?q=dara").get_json()
    assert members == [{"id": members[0]["id"], "code": "", "label": "Sok Dara"}]
    staff_client.post("/locale", data={"locale": "km"})
    bodies = staff_client.get(f"/t/{tenant.slug}/institutions/picker?q=MOI").get_json()
    assert bodies == [{"id": ministry.id, "code": "MOI", "label": "ក្រសួងព័ត៌មាន"}]
    assert staff_client.get(f"/t/{tenant.slug}/institutions/picker?q=M").get_json() == []   # too short


def test_the_csv_follows_the_typed_filters(staff_client, tenant, staff, ministry):
    environment = add_body("MOE", "Ministry of Environment")
    make_request(tenant, staff, ministry, subject="Request to information")
    make_request(tenant, staff, environment, subject="Request to environment")
    csv = staff_client.get(f"/t/{tenant.slug}/a2i/requests.csv?body=environment").text
    assert "Request to environment" in csv and "Request to information" not in csv


def test_the_request_form_types_its_body_and_keeps_a_former_one_unchanged(staff_client, tenant, staff, ministry):
    from datetime import date
    abolished = add_body("MOX", "Ministry of Posts", valid_to=date(2020, 1, 1))
    new = staff_client.post(url(tenant, "/requests/new"), data={
        "subject": "Post offices", "question": "How many?", "body_id": "Ministry of Posts", "channel": "letter",
        "requester_sex": "not_recorded", "requester_age_group": "not_recorded"})
    assert new.status_code == 422 and "No institution matches" in new.text     # a former body is not offered
    req = make_request(tenant, staff, abolished, subject="Request to posts")
    form = staff_client.get(url(tenant, f"/requests/{req.id}/edit")).text
    assert 'value="MOX Ministry of Posts"' in form
    saved = staff_client.post(url(tenant, f"/requests/{req.id}/edit"), data={
        "subject": "Request to posts, 2026", "question": "How many?", "body_id": "MOX Ministry of Posts",
        "body_id-id": str(abolished.id), "channel": "letter", "assignee_id": staff.email,
        "requester_sex": "not_recorded", "requester_age_group": "not_recorded"})
    assert saved.status_code == 302
    page = staff_client.get(url(tenant, f"/requests/{req.id}")).text
    assert "Request to posts, 2026" in page and "Ministry of Posts" in page
