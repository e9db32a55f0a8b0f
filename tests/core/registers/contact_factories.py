"""Small builders for the contacts tests: a place, contacts, an API token, a module's links."""
from __future__ import annotations

from dataclasses import dataclass


from core.extensions import db
from core.hookspecs import hookimpl
from core.plugins import ContactLink
from core.registers.contacts import create_contact
from core.registers.models import Place, PlaceKind
from core.tenancy import tenant_scope


def add_contact(tenant, **fields):
    with tenant_scope(tenant.id):
        contact = create_contact(**fields)
        db.session.commit()
        return contact


def add_places() -> tuple[Place, Place]:
    """Kampot province and one of its communes."""
    province = Place(code="07", kind=PlaceKind.PROVINCE, name_en="Kampot", name_km="កំពត")
    db.session.add(province)
    db.session.flush()
    commune = Place(code="070101", kind=PlaceKind.COMMUNE, name_en="Kampong Trach", name_km="កំពង់ត្រាច",
                    province_id=province.id, parent_id=province.id)
    db.session.add(commune)
    db.session.commit()
    return province, commune




@dataclass
class Enrolment:
    """A module's record pointing at a contact (stands in for a participant, a requester…)."""

    id: int
    contact_id: int
    title: str


class LinksPlugin:
    """A module answering samaki_contact_links from records kept in memory."""

    def __init__(self, records):
        self.records = records

    @hookimpl
    def samaki_contact_links(self, contact):
        return [ContactLink(record=record, attribute="contact_id", role="Participant", title=record.title,
                            url=f"/enrolments/{record.id}", review_on_erasure=("Interview notes of the training",))
                for record in self.records if record.contact_id == contact.id]


def register_links(app, records) -> LinksPlugin:
    plugin = LinksPlugin(records)
    app.extensions["samaki"].pm.register(plugin, name="test_contact_links")
    return plugin


def unregister_links(app) -> None:
    pm = app.extensions["samaki"].pm
    plugin = pm.get_plugin("test_contact_links")
    if plugin is not None:
        pm.unregister(plugin)
