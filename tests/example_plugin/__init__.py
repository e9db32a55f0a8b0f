"""A third-party plugin living outside core/ and plugins/: proves a plugin can add a model with its
own migration branch, pages, a menu entry, a permission and a dashboard card through hooks alone."""
from pathlib import Path

from flask import url_for
from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.permissions import ALL_ROLES, EDITORS, Permission
from core.plugins import NavItem, PluginInfo, Widget


@hookimpl
def samaki_plugin_info():
    return PluginInfo(name="field_visits", label=_l("Field visits"), version="1.0",
                      description=_l("Notes from visits to communities (test plugin)."))


@hookimpl
def samaki_register_models():
    from tests.example_plugin import models  # noqa: F401


@hookimpl
def samaki_migration_dirs():
    return [str(Path(__file__).parent / "migrations")]


@hookimpl
def samaki_blueprints():
    from tests.example_plugin.api import visits_api
    from tests.example_plugin.views import visits
    return [visits, visits_api]


@hookimpl
def samaki_permissions():
    return [Permission("visits.view", _l("See field visits"), ALL_ROLES),
            Permission("visits.edit", _l("Record and edit field visits"), EDITORS)]


@hookimpl
def samaki_nav_items(tenant, user):
    return [NavItem(_l("Field visits"), url_for("visits.index"), "visits.index", order=60)]


@hookimpl
def samaki_dashboard_widgets(tenant, user):
    from tests.example_plugin.views import visit_count
    return [Widget(_l("Field visits"), "example_plugin/widget.html", {"count": visit_count()}, order=60)]


@hookimpl
def samaki_search(tenant, user, query):
    from tests.example_plugin.views import search_visits
    return search_visits(query)


@hookimpl
def samaki_shareable_types():
    from core.plugins import ShareableType
    from tests.example_plugin.models import FieldVisit
    return [ShareableType(name="visits.visit", label=_l("Field visit"), model=FieldVisit,
                          fields={"title": _l("Title"), "visited_on": _l("Date of the visit")},
                          title=lambda visit: visit.title)]
