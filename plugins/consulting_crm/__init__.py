"""Consulting CRM: the consulting enterprise's pipeline from call for proposals to paid engagement —
clients, opportunities on a kanban board, proposals, the consultant pool, engagements with
deliverables and timesheets, invoices and pipeline figures. It runs in the enterprise's own tenant
and is switched off for the NGOs' tenants. This module holds only the hookimpls; each delegates to
the plugin's own modules."""
from pathlib import Path

from flask import url_for
from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.permissions import ALL_ROLES, EDITORS, MANAGERS, Permission
from core.plugins import NavItem, PluginInfo


@hookimpl
def samaki_plugin_info():
    return PluginInfo(name="consulting_crm", label=_l("Consulting CRM"), version="0.1.0",
                      description=_l("Clients, opportunities and proposals, stages, consultant pool, contracts."))


@hookimpl
def samaki_register_models():
    from plugins.consulting_crm import models  # noqa: F401


@hookimpl
def samaki_migration_dirs():
    return [str(Path(__file__).parent / "migrations")]


@hookimpl
def samaki_blueprints():
    from plugins.consulting_crm.api import consulting_api
    from plugins.consulting_crm.client_views import clients_bp
    from plugins.consulting_crm.engagement_views import engagements_bp
    from plugins.consulting_crm.figure_views import figures_bp
    from plugins.consulting_crm.invoice_views import invoices_bp
    from plugins.consulting_crm.opportunity_views import consulting_static_bp, opportunities_bp
    from plugins.consulting_crm.pool_views import pool_bp
    from plugins.consulting_crm.proposal_views import proposals_bp
    from plugins.consulting_crm.settings_views import settings_bp
    return [clients_bp, opportunities_bp, proposals_bp, pool_bp, engagements_bp, invoices_bp, figures_bp,
            settings_bp, consulting_static_bp, consulting_api]


@hookimpl
def samaki_permissions():
    return [
        Permission("consulting.view", _l("See the consulting pipeline, proposals and engagements"), ALL_ROLES),
        Permission("consulting.edit", _l("Work the pipeline: opportunities, proposals, engagements, timesheets"),
                   EDITORS),
        Permission("consulting.pool.rates", _l("See and change consultants' rates, ratings and CVs"), MANAGERS),
        Permission("consulting.invoices", _l("Issue invoices and record payments"), MANAGERS),
        Permission("consulting.settings", _l("Change the stage list, exchange rates and invoice settings"), MANAGERS),
    ]


@hookimpl
def samaki_nav_items(tenant, user):
    from core.permissions import can
    if not can("consulting.view"):
        return []
    items = [NavItem(_l("Pipeline"), url_for("consulting_opportunities.board"), "consulting_opportunities.board",
                     order=40),
             NavItem(_l("Opportunities"), url_for("consulting_opportunities.index"), "consulting_opportunities.index",
                     order=41),
             NavItem(_l("Clients"), url_for("consulting_clients.index"), "consulting_clients.index", order=42),
             NavItem(_l("Consultants"), url_for("consulting_pool.index"), "consulting_pool.index", order=43),
             NavItem(_l("Engagements"), url_for("consulting_engagements.index"), "consulting_engagements.index",
                     order=44),
             NavItem(_l("Invoices"), url_for("consulting_invoices.index"), "consulting_invoices.index", order=45),
             NavItem(_l("Pipeline figures"), url_for("consulting_figures.index"), "consulting_figures.index",
                     order=46)]
    if can("consulting.settings"):
        items.append(NavItem(_l("Consulting settings"), url_for("consulting_settings.edit"),
                             "consulting_settings.edit", order=47))
    return items


@hookimpl
def samaki_dashboard_widgets(tenant, user):
    from plugins.consulting_crm.figures import dashboard_widgets
    return dashboard_widgets(tenant, user)


@hookimpl
def samaki_search(tenant, user, query):
    from plugins.consulting_crm.figures import search_hits
    return search_hits(query)


@hookimpl
def samaki_indicators(tenant, period):
    from plugins.consulting_crm.figures import indicators
    return indicators(tenant, period)


@hookimpl
def samaki_my_work(tenant, user):
    from plugins.consulting_crm.my_work import my_work
    return my_work(tenant, user)


@hookimpl
def samaki_contact_links(contact):
    from plugins.consulting_crm import client_views, pool_views
    return client_views.contact_links(contact) + pool_views.contact_links(contact)


@hookimpl
def samaki_jobs():
    from plugins.consulting_crm.reminders import jobs
    return jobs()


@hookimpl
def samaki_demo_data(tenant):
    from plugins.consulting_crm.demo import load_demo_data
    load_demo_data(tenant)
