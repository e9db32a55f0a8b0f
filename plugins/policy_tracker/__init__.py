"""Policy tracker: laws and policies through their stages, advocacy campaigns, recommendations and
activities, and one status picture per working group. This module holds only the hookimpls; each
delegates to the plugin's own modules."""
from pathlib import Path

from flask import url_for
from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.permissions import ALL_ROLES, EDITORS, MANAGERS, Permission
from core.plugins import NavItem, PluginInfo


@hookimpl
def samaki_plugin_info():
    return PluginInfo(name="policy_tracker", label=_l("Policy tracker"), version="0.1.0",
                      description=_l("Laws and policies through their stages, advocacy campaigns and positions."))


@hookimpl
def samaki_register_models():
    from plugins.policy_tracker import models, sharing
    models.install_policy_guard()
    sharing.install_share_refresh()


@hookimpl
def samaki_migration_dirs():
    return [str(Path(__file__).parent / "migrations")]


@hookimpl
def samaki_blueprints():
    from plugins.policy_tracker.api import policy_api
    from plugins.policy_tracker.calendar_views import policy_calendar_bp
    from plugins.policy_tracker.campaign_api import campaigns_api
    from plugins.policy_tracker.campaign_views import campaigns_bp
    from plugins.policy_tracker.events_api import events_api
    from plugins.policy_tracker.exports import exports_bp
    from plugins.policy_tracker.views import laws_bp
    return [laws_bp, campaigns_bp, policy_calendar_bp, exports_bp, policy_api, events_api, campaigns_api]


@hookimpl
def samaki_permissions():
    return [
        Permission("policy.view", _l("See laws, campaigns and recommendations"), ALL_ROLES),
        Permission("policy.edit", _l("Add private laws, status notes and events"), EDITORS),
        Permission("policy.campaigns.edit", _l("Run campaigns: recommendations and activities"), EDITORS),
        Permission("policy.campaigns.strategy", _l("See campaign strategy notes and budgets"), MANAGERS),
    ]


@hookimpl
def samaki_nav_items(tenant, user):
    from core.permissions import can
    if not can("policy.view"):
        return []
    return [NavItem(_l("Laws and policies"), url_for("laws.index"), "laws.index", order=20),
            NavItem(_l("Campaigns"), url_for("campaigns.index"), "campaigns.index", order=21),
            NavItem(_l("Policy calendar"), url_for("policy_calendar.index"), "policy_calendar.index", order=22)]


@hookimpl
def samaki_dashboard_widgets(tenant, user):
    from plugins.policy_tracker.reports import dashboard_widgets
    return dashboard_widgets(tenant, user)


@hookimpl
def samaki_search(tenant, user, query):
    from plugins.policy_tracker.campaigns import search_campaigns
    from plugins.policy_tracker.services import search_laws
    return search_laws(query) + search_campaigns(query)


@hookimpl
def samaki_indicators(tenant, period):
    from plugins.policy_tracker.reports import indicators
    return indicators(tenant, period)


@hookimpl
def samaki_my_work(tenant, user):
    from plugins.policy_tracker.my_work import my_work
    return my_work(tenant, user)


@hookimpl
def samaki_cli(group):
    from plugins.policy_tracker.stages import register_cli
    register_cli(group)


@hookimpl
def samaki_demo_data(tenant):
    from plugins.policy_tracker import campaign_demo, demo
    demo.load_demo_data(tenant)
    campaign_demo.load_demo_data(tenant)


@hookimpl
def samaki_shareable_types():
    from plugins.policy_tracker.sharing import shareable_types
    return shareable_types()


@hookimpl
def samaki_jobs():
    from plugins.policy_tracker.reminders import jobs
    return jobs()


@hookimpl
def samaki_contact_links(contact):
    from plugins.policy_tracker.campaigns import contact_links
    return contact_links(contact)


@hookimpl
def samaki_group_panels(group, tenant, user):
    from plugins.policy_tracker.group_views import group_panels
    return group_panels(group, tenant, user)
