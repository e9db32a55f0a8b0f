"""Trainers: people among the contacts marked as trainers (picked by typing their name), with their
topics; deactivated rather than deleted; protected people under a stand-in; other tenants kept out."""
from __future__ import annotations

from sqlalchemy import func, select

from core.extensions import db
from core.models import Role
from core.registers.models import Contact, ContactKind
from core.tenancy import tenant_scope
from plugins.training_registry import trainers
from plugins.training_registry.models import Trainer
from tests.helpers import login, make_member, statements_for
from tests.plugins.training_registry.conftest import add_people


def base(tenant) -> str:
    return f"/t/{tenant.slug}/training/trainers"


def table(html: str) -> str:
    """The list's table alone (a flashed message above it may name the person just changed)."""
    return html[html.index("<table"):html.index("</table>")]


def person(people, latin: str) -> Contact:
    return next(p for p in people if p.name_latin == latin)


def make_trainer(tenant, contact: Contact, topics="Access to information") -> Trainer:
    with tenant_scope(tenant.id):
        trainer = trainers.mark_trainer(contact.id, topics=topics)
        db.session.commit()
    return trainer


def test_an_editor_marks_a_contact_as_trainer_by_typing_the_name(staff_client, tenant, people):
    assert staff_client.get(f"{base(tenant)}/new").status_code == 200
    response = staff_client.post(f"{base(tenant)}/new", data={
        "contact_id": "Chan Dara", "topics": "Access to information, budget monitoring, access to information",
        "notes": "Trained trainers in 2024."})
    assert response.status_code == 302
    trainer = db.session.scalar(select(Trainer))
    assert trainer.contact_id == person(people, "Chan Dara").id and trainer.is_active
    assert trainer.topics == "Access to information, budget monitoring"
    html = staff_client.get(f"{base(tenant)}/").get_data(as_text=True)
    assert "Chan Dara" in html and "Access to information, budget monitoring" in html
    assert "Trained trainers in 2024." in html


def test_the_person_is_picked_in_khmer_script_too(staff_client, tenant, people):
    response = staff_client.post(f"{base(tenant)}/new", data={"contact_id": "កែវ ម៉ាលី", "topics": "Gender"})
    assert response.status_code == 302
    assert db.session.scalar(select(Trainer.contact_id)) == person(people, "Keo Mealea").id


def test_an_unknown_name_an_organisation_or_a_current_trainer_is_refused(staff_client, tenant, people):
    response = staff_client.post(f"{base(tenant)}/new", data={"contact_id": "Nobody Known", "topics": ""})
    assert response.status_code == 422
    assert "No contact matches" in response.get_data(as_text=True)
    with tenant_scope(tenant.id):
        organisation = Contact(tenant_id=tenant.id, kind=ContactKind.ORGANISATION, name_latin="Kampot Youth CBO")
        db.session.add(organisation)
        db.session.commit()
    response = staff_client.post(f"{base(tenant)}/new", data={"contact_id": "Kampot Youth CBO",
                                                              "contact_id-id": str(organisation.id)})
    assert response.status_code == 422
    make_trainer(tenant, person(people, "Chan Dara"))
    response = staff_client.post(f"{base(tenant)}/new", data={"contact_id": "Chan Dara", "topics": "Other"})
    assert response.status_code == 422
    assert "already a trainer" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Trainer.id))) == 1
    assert db.session.scalar(select(Trainer.topics)) == "Access to information"


def test_topics_are_edited_and_a_trainer_deactivated_and_reactivated(staff_client, tenant, people):
    trainer = make_trainer(tenant, person(people, "Heng Vichet"))
    assert "Heng Vichet" in staff_client.get(f"{base(tenant)}/{trainer.id}/edit").get_data(as_text=True)
    assert staff_client.post(f"{base(tenant)}/{trainer.id}/edit", data={
        "topics": "Commune budgets", "notes": "Speaks Khmer and English."}).status_code == 302
    assert staff_client.post(f"{base(tenant)}/{trainer.id}/deactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(Trainer, trainer.id).is_active is False
    assert "Heng Vichet" not in table(staff_client.get(f"{base(tenant)}/").get_data(as_text=True))
    former = table(staff_client.get(f"{base(tenant)}/?state=inactive").get_data(as_text=True))
    assert "Heng Vichet" in former and "Former trainer" in former and "Commune budgets" in former
    assert staff_client.post(f"{base(tenant)}/{trainer.id}/activate").status_code == 302
    assert "Heng Vichet" in staff_client.get(f"{base(tenant)}/").get_data(as_text=True)
    # Marking a former trainer again makes them active with the new topics.
    staff_client.post(f"{base(tenant)}/{trainer.id}/deactivate")
    assert staff_client.post(f"{base(tenant)}/new", data={"contact_id": "Heng Vichet",
                                                          "topics": "Gender"}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Trainer.id))) == 1
    again = db.session.get(Trainer, trainer.id)
    assert again.is_active and again.topics == "Gender"


def test_the_list_searches_names_and_topics(staff_client, tenant, people):
    make_trainer(tenant, person(people, "Chan Dara"), topics="Budget monitoring")
    make_trainer(tenant, person(people, "Sok Sreyny"), topics="Gender")
    html = staff_client.get(f"{base(tenant)}/?q=budget").get_data(as_text=True)
    assert "Chan Dara" in html and "Sok Sreyny" not in html
    html = staff_client.get(f"{base(tenant)}/?q=sreyny").get_data(as_text=True)
    assert "Sok Sreyny" in html and "Chan Dara" not in html


def test_a_protected_trainer_appears_under_a_stand_in_and_is_not_found_by_name(client, tenant, people):
    protected = person(people, "Sean Pisey")
    make_trainer(tenant, protected, topics="Safe reporting")
    login(client, make_member(tenant, Role.STAFF).email)
    html = client.get(f"{base(tenant)}/").get_data(as_text=True)
    assert f"Protected person #{protected.id}" in html and "Sean Pisey" not in html and "ស៊ាន ពិសី" not in html
    assert "Safe reporting" in html
    # A search by the hidden name finds nothing for a reader who may not see it.
    assert f"Protected person #{protected.id}" not in client.get(f"{base(tenant)}/?q=pisey").get_data(as_text=True)
    client.post("/logout")
    login(client, make_member(tenant, Role.ADMIN).email)
    html = client.get(f"{base(tenant)}/?q=pisey").get_data(as_text=True)
    assert f"Protected person #{protected.id}" in html and "Sean Pisey" not in html   # lists never reveal


def test_a_viewer_sees_the_list_but_cannot_change_it(client, tenant, people):
    trainer = make_trainer(tenant, person(people, "Chan Dara"))
    login(client, make_member(tenant, Role.VIEWER).email)
    html = client.get(f"{base(tenant)}/").get_data(as_text=True)
    assert "Chan Dara" in html and "Add a trainer" not in html and "Deactivate" not in html
    assert client.get(f"{base(tenant)}/new").status_code == 403
    assert client.post(f"{base(tenant)}/new", data={"contact_id": "Sok Sreyny"}).status_code == 403
    assert client.post(f"{base(tenant)}/{trainer.id}/edit", data={"topics": "x"}).status_code == 403
    assert client.post(f"{base(tenant)}/{trainer.id}/deactivate").status_code == 403
    db.session.expire_all()
    assert db.session.get(Trainer, trainer.id).is_active and db.session.scalar(select(func.count(Trainer.id))) == 1


def test_another_tenants_trainers_and_contacts_stay_out(client, tenant, other_tenant, people):
    theirs = add_people(other_tenant, [("ម៉ៅ សុផល", "Mao Sophal", people[0].sex, 1990, people[0].age_group,
                                        False, False, False)])[0]
    their_trainer = make_trainer(other_tenant, theirs)
    login(client, make_member(tenant, Role.OWNER).email)
    assert "Mao Sophal" not in client.get(f"{base(tenant)}/?state=all").get_data(as_text=True)
    assert client.get(f"{base(tenant)}/{their_trainer.id}/edit").status_code == 404
    assert client.post(f"{base(tenant)}/{their_trainer.id}/deactivate").status_code == 404
    response = client.post(f"{base(tenant)}/new", data={"contact_id": "Mao Sophal", "contact_id-id": str(theirs.id)})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Trainer, their_trainer.id).is_active
    assert db.session.scalar(select(func.count(Trainer.id))) == 1


def test_the_list_costs_the_same_queries_for_more_trainers(staff_client, tenant, people):
    make_trainer(tenant, people[0])
    db.session.commit()
    few = statements_for(staff_client, f"{base(tenant)}/?state=all")
    for trainer_person in people[1:]:
        make_trainer(tenant, trainer_person)
    with tenant_scope(tenant.id):
        trainers.set_active(db.session.scalar(select(Trainer).where(Trainer.contact_id == people[1].id)), False)
        db.session.commit()
    assert statements_for(staff_client, f"{base(tenant)}/?state=all") == few


def test_the_pages_render_in_khmer(staff_client, tenant, people):
    trainer = make_trainer(tenant, person(people, "Chan Dara"))
    tenant.default_locale = "km"
    db.session.commit()
    for url in (f"{base(tenant)}/", f"{base(tenant)}/new", f"{base(tenant)}/{trainer.id}/edit"):
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert 'lang="km"' in response.get_data(as_text=True), url
    assert "ចាន់ ដារា" in staff_client.get(f"{base(tenant)}/").get_data(as_text=True)
