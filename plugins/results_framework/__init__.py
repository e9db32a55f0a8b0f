"""Results framework: the strategic plan's objectives, outcomes and indicators with baselines and
targets, their live values computed from the modules' figures (or entered by hand with evidence),
frozen quarterly and yearly snapshots, donor reports (XLSX, PDF), working groups' network totals
approved by each member, and "My work" on the dashboard. This module holds only the hookimpls; each
delegates to the plugin's own modules."""
from pathlib import Path

from flask import url_for
from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.permissions import ALL_ROLES, EDITORS, MANAGERS, Permission
from core.plugins import NavItem, PluginInfo


@hookimpl
def samaki_plugin_info():
    return PluginInfo(name="results_framework", label=_l("Results framework"), version="0.1.0",
                      description=_l("Objectives, outcomes and indicators against live figures, snapshots, "
                                     "donor reports and working-group totals."))


@hookimpl
def samaki_register_models():
    from plugins.results_framework import models, services  # noqa: F401
    services.install_snapshot_guard()


@hookimpl
def samaki_migration_dirs():
    return [str(Path(__file__).parent / "migrations")]


@hookimpl
def samaki_blueprints():
    from plugins.results_framework.api import results_api
    from plugins.results_framework.dashboard_views import dashboard_bp
    from plugins.results_framework.framework_views import framework_bp
    from plugins.results_framework.group_views import groups_bp
    from plugins.results_framework.report_views import reports_bp
    from plugins.results_framework.snapshot_views import snapshots_bp
    return [dashboard_bp, framework_bp, snapshots_bp, reports_bp, groups_bp, results_api]


@hookimpl
def samaki_permissions():
    return [
        Permission("results.view", _l("See the results framework, its figures and snapshots"), ALL_ROLES),
        Permission("results.edit", _l("Change the framework, targets and hand-entered values; write donor reports"),
                   EDITORS),
        Permission("results.freeze", _l("Freeze periods and approve the figures shared with working groups"),
                   MANAGERS),
    ]


@hookimpl
def samaki_nav_items(tenant, user):
    from core.permissions import can
    if not can("results.view"):
        return []
    return [NavItem(_l("Results"), url_for("results_dashboard.index"), "results_dashboard.index", order=60),
            NavItem(_l("Donor reports"), url_for("results_reports.index"), "results_reports.index", order=61)]


@hookimpl
def samaki_search(tenant, user, query):
    from plugins.results_framework.dashboard_views import search_hits
    return search_hits(tenant, query)


@hookimpl
def samaki_my_work(tenant, user):
    from plugins.results_framework.dashboard_views import my_work
    return my_work(tenant, user)


@hookimpl
def samaki_group_panels(group, tenant, user):
    from plugins.results_framework.group_views import group_panels
    return group_panels(group, tenant, user)


@hookimpl(trylast=True)      # after the modules' own demo data, which its figures count
def samaki_demo_data(tenant):
    from plugins.results_framework.demo import load_demo_data
    load_demo_data(tenant)
