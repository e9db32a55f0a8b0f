"""The core's own hook implementations: it registers its menu, permissions and dashboard cards
through the same hooks as any plugin, so the contract is exercised on every request."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.models.user import Role
from core.permissions import ALL_ROLES, EDITORS, MANAGERS, Permission
from core.plugins import NavItem, SearchHit, Widget


@hookimpl
def samaki_register_models():
    from core.registers import guards, models  # noqa: F401  (the registers' tables and write guards)
    guards.install_register_guards()


@hookimpl
def samaki_blueprints():
    from core.admin.views import admin, instance_admin
    from core.api.views import core_api
    from core.auth.tokens import tokens
    from core.auth.two_factor_views import two_factor_admin, two_factor_bp
    from core.auth.views import auth
    from core.notification_views import notifications
    from core.sharing_views import groups
    from core.views import core
    from core.webhook_views import webhooks_admin
    return [core, auth, tokens, notifications, groups, admin, instance_admin, core_api, two_factor_bp, two_factor_admin,
            webhooks_admin, *core_api_blueprints(), *register_blueprints()]


def core_api_blueprints() -> list:
    """The core's resources in the JSON API (core/api/README.md)."""
    from core.api.audit import audit_api
    from core.api.contact_photos import contact_photos_api
    from core.api.groups import groups_api
    from core.api.members import members_api
    from core.api.notifications import notifications_api
    return [members_api, groups_api, notifications_api, audit_api, contact_photos_api]


def register_blueprints() -> list:
    """The registers' pages and API (core/registers)."""
    from core.registers.calendar_views import calendar_bp
    from core.registers.contact_api import contacts_api
    from core.registers.contact_import_api import contact_import_api
    from core.registers.contact_import_views import contact_import_bp
    from core.registers.contact_views import contacts_bp
    from core.registers.institution_api import institutions_api
    from core.registers.institution_views import institutions_admin, institutions_bp
    from core.registers.place_api import places_api
    from core.registers.place_views import places_bp
    from core.registers.project_api import projects_api
    from core.registers.project_views import projects_bp
    return [places_bp, institutions_bp, institutions_admin, contacts_bp, projects_bp, calendar_bp,
            places_api, institutions_api, contacts_api, projects_api, contact_import_bp, contact_import_api]


@hookimpl
def samaki_permissions():
    return [
        Permission("core.tenant.view", _l("See the organisation's dashboard"), ALL_ROLES),
        Permission("core.members.manage", _l("Add members, change roles, deactivate members"), MANAGERS),
        Permission("core.plugins.manage", _l("Switch modules on and off"), MANAGERS),
        Permission("core.audit.view", _l("Browse and export the audit log"), MANAGERS),
        Permission("core.security.manage", _l("Require a second factor and reset members' second factors"),
                   (Role.OWNER,)),
        Permission("core.tenant.export", _l("Download everything the organisation owns"), (Role.OWNER,)),
        Permission("core.sharing.manage", _l("Share records with working groups"), EDITORS),
        Permission("core.groups.manage", _l("Change the settings of working groups the organisation convenes"),
                   MANAGERS),
        Permission("core.webhooks.manage", _l("Register webhooks that send the organisation's events to other systems"),
                   MANAGERS),
        *register_permissions(),
    ]


def register_permissions() -> list[Permission]:
    return [
        Permission("core.contacts.view", _l("See contacts (protected identities hidden)"), ALL_ROLES),
        Permission("core.contacts.edit", _l("Add and change contacts"), EDITORS),
        Permission("core.contacts.view_protected", _l("See protected people's identities"), MANAGERS),
        Permission("core.contacts.merge", _l("Merge duplicate contacts"), EDITORS),
        Permission("core.contacts.import", _l("Import contacts from CSV or Excel files"), EDITORS),
        Permission("core.contacts.export", _l("Export contacts"), MANAGERS),
        Permission("core.contacts.erase", _l("Erase a person (forget this person)"), MANAGERS),
        Permission("core.institutions.edit", _l("Add private institutions and propose corrections"), EDITORS),
        Permission("core.projects.view", _l("See projects and grants"), ALL_ROLES),
        Permission("core.projects.edit", _l("Add and change projects and grants"), MANAGERS),
        Permission("core.calendar.manage", _l("Change the organisation's closure days"), MANAGERS),
    ]


@hookimpl
def samaki_nav_items(tenant, user):
    from core.permissions import can
    items = [NavItem(_l("Dashboard"), url_for("core.dashboard"), "core.dashboard", order=0),
             NavItem(_l("Working groups"), url_for("groups.index"), "groups.index", order=80)]
    if can("core.contacts.view"):
        items.append(NavItem(_l("Contacts"), url_for("contacts.index"), "contacts.index", order=60))
    if can("core.projects.view"):
        items.append(NavItem(_l("Projects"), url_for("projects.index"), "projects.index", order=61))
    items.append(NavItem(_l("Institutions"), url_for("institutions.index"), "institutions.index", order=62))
    items.append(NavItem(_l("Places"), url_for("places.index"), "places.index", order=63))
    # Everyone may look at the calendar (and count working days); managers change it.
    items.append(NavItem(_l("Working-day calendar"), url_for("calendar.index"), "calendar.index", order=85))
    if can("core.members.manage") or can("core.plugins.manage") or can("core.audit.view"):
        items.append(NavItem(_l("Administration"), url_for("admin.members"), "admin.members", order=90))
    return items


@hookimpl
def samaki_dashboard_widgets(tenant, user):
    from core.admin.queries import member_count_by_role
    return [Widget(_l("Members"), "core/widgets/members.html", {"counts": member_count_by_role(tenant)}, order=90)]


@hookimpl
def samaki_jobs():
    from datetime import timedelta

    from core.jobs import Job
    from core.notifications import send_daily_digests
    from core.outbox import deliver_due
    from core.registers.contact_import import purge_stale_imports
    from core.tenant_export import delete_due_tenants
    from core.webhooks import deliver_due as deliver_webhooks
    return [Job("core.outbox", timedelta(minutes=1), lambda now: deliver_due(now)),
            Job("core.webhooks", timedelta(minutes=1), lambda now: deliver_webhooks(now)),
            Job("core.daily_digest", timedelta(days=1), send_daily_digests),
            Job("core.contact_imports.purge", timedelta(hours=1), purge_stale_imports),
            Job("core.tenants.delete_due", timedelta(hours=1), delete_due_tenants)]


@hookimpl
def samaki_webhook_events():
    from core.webhooks import core_webhook_events
    return core_webhook_events()


@hookimpl
def samaki_cli(group):
    from core.webhooks_cli import webhooks
    group.add_command(webhooks)


@hookimpl(tryfirst=True)
def samaki_demo_data(tenant):
    # First, so that modules' demo data can link to the demo contacts and projects.
    from core.registers.demo import load_register_demo
    load_register_demo(tenant)


@hookimpl
def samaki_search(tenant, user, query):
    from core.sharing import search_shared
    return [SearchHit(title=shared.title, url=url_for("groups.shared_record", shared_id=shared.id),
                      kind=_l("Shared by %(tenant)s", tenant=shared.tenant.name)) for shared in search_shared(tenant, query)
            ] + contact_search_hits(query)


def contact_search_hits(query: str) -> list[SearchHit]:
    """Contacts whose name, phone or e-mail matches; protected people only for those allowed to see them."""
    from core.permissions import can
    from core.registers.contacts import search_hits
    return search_hits(query) if can("core.contacts.view") else []
