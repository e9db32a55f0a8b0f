"""Access to information: requests to ministries and sub-national authorities, from question to
disclosure. This module holds only the hookimpls; each delegates to the plugin's own modules."""
from pathlib import Path

from flask import url_for
from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.permissions import ALL_ROLES, EDITORS, MANAGERS, Permission
from core.plugins import NavItem, PluginInfo


@hookimpl
def samaki_plugin_info():
    return PluginInfo(name="a2i_requests", label=_l("Access to information"), version="0.1.0",
                      description=_l("Requests to ministries and sub-national authorities: deadlines, correspondence, refusals, appeals, disclosure statistics."))


@hookimpl
def samaki_register_models():
    from plugins.a2i_requests import models  # noqa: F401  (the register's guards are the core's)


@hookimpl
def samaki_migration_dirs():
    return [str(Path(__file__).parent / "migrations")]


@hookimpl
def samaki_blueprints():
    from plugins.a2i_requests.api import a2i_api
    from plugins.a2i_requests.exports import exports_bp
    from plugins.a2i_requests.reports import reports_bp
    from plugins.a2i_requests.scoreboard_views import scoreboard_bp
    from plugins.a2i_requests.settings_views import settings_bp
    from plugins.a2i_requests.views import requests_bp
    return [requests_bp, reports_bp, settings_bp, a2i_api, exports_bp, scoreboard_bp]


@hookimpl
def samaki_permissions():
    return [
        Permission("a2i.request.view", _l("See access-to-information requests"), ALL_ROLES),
        Permission("a2i.request.edit", _l("File and follow access-to-information requests"), EDITORS),
        Permission("a2i.request.publish", _l("Publish requests on the public page"), MANAGERS),
        Permission("a2i.settings.manage", _l("Change deadline rules and exemption grounds"), MANAGERS),
    ]


@hookimpl
def samaki_nav_items(tenant, user):
    from core.permissions import can
    if not can("a2i.request.view"):
        return []
    items = [NavItem(_l("Information requests"), url_for("a2i.index"), "a2i.index", order=10),
             NavItem(_l("Disclosure statistics"), url_for("a2i_reports.statistics"), "a2i_reports.statistics", order=11)]
    if can("a2i.settings.manage"):
        items.append(NavItem(_l("Deadline settings"), url_for("a2i_settings.settings"), "a2i_settings.settings", order=13))
    return items


@hookimpl
def samaki_contact_links(contact):
    from plugins.a2i_requests.views import contact_links
    return contact_links(contact)


@hookimpl
def samaki_dashboard_widgets(tenant, user):
    from plugins.a2i_requests.reports import overdue_widget
    widget = overdue_widget(tenant, user)
    return [widget] if widget else []


@hookimpl
def samaki_search(tenant, user, query):
    from plugins.a2i_requests.views import search_requests
    return search_requests(query)


@hookimpl
def samaki_indicators(tenant, period):
    from plugins.a2i_requests.reports import indicators
    return indicators(tenant, period)


@hookimpl
def samaki_group_panels(group, tenant, user):
    from plugins.a2i_requests.scoreboard_views import scoreboard_panel
    panel = scoreboard_panel(group)
    return [panel] if panel else []


@hookimpl
def samaki_my_work(tenant, user):
    from plugins.a2i_requests.reports import my_work
    return my_work(tenant, user)


@hookimpl
def samaki_demo_data(tenant):
    from plugins.a2i_requests.demo import load_demo_data
    load_demo_data(tenant)


@hookimpl
def samaki_shareable_types():
    from core.plugins import ShareableType
    from plugins.a2i_requests.models import InfoRequest, StatisticsSnapshot
    return [ShareableType(
        name="a2i.request", label=_l("Information request"), model=InfoRequest,
        fields={"reference": _l("Reference"), "subject": _l("Subject"), "body_names": _l("Public body"),
                "status": _l("Status"), "submitted_on": _l("Submitted on"), "due_on": _l("Due on"),
                "answered_on": _l("Answered on"), "disclosed_summary": _l("Disclosed information")},
        title=lambda req: f"{req.reference} · {req.subject}"),
        ShareableType(name="a2i.statistics", label=_l("Disclosure statistics"), model=StatisticsSnapshot,
                      fields={"period": _l("Period"), "table": _l("Figures per public body")},
                      title=lambda snapshot: f"{snapshot.title} ({snapshot.period})")]


@hookimpl
def samaki_webhook_events():
    from plugins.a2i_requests.webhooks import webhook_events
    return webhook_events()


@hookimpl
def samaki_jobs():
    from datetime import timedelta

    from core.jobs import Job
    from plugins.a2i_requests.reminders import send_reminders
    return [Job("a2i.reminders", timedelta(hours=24), send_reminders)]


@hookimpl
def samaki_tenant_file_folders(tenant_id):
    from plugins.a2i_requests.attachments import tenant_folder
    return {"a2i_requests/attachments": tenant_folder(tenant_id)}
