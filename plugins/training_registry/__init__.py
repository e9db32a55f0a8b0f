"""Training registry: versioned curricula, courses and sessions, participants (core contacts) with
the disaggregation donors ask for, attendance on a phone, pre/post tests, certificates with public
verification, imports, reports and indicators. This module holds only the hookimpls; each delegates
to the plugin's own modules."""
from pathlib import Path

from flask import url_for
from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.permissions import ALL_ROLES, EDITORS, MANAGERS, Permission
from core.plugins import NavItem, PluginInfo


@hookimpl
def samaki_plugin_info():
    return PluginInfo(name="training_registry", label=_l("Training registry"), version="0.1.0",
                      description=_l("Curricula, courses, sessions, trainers, participants, attendance, tests and certificates."))


@hookimpl
def samaki_register_models():
    from plugins.training_registry import models  # noqa: F401


@hookimpl
def samaki_migration_dirs():
    return [str(Path(__file__).parent / "migrations")]


@hookimpl
def samaki_blueprints():
    from plugins.training_registry.api import training_api
    from plugins.training_registry.attendance_views import attendance_bp, training_static_bp
    from plugins.training_registry.certificate_views import certificates_bp, verify_bp
    from plugins.training_registry.course_views import courses_bp
    from plugins.training_registry.curriculum_views import curricula_bp
    from plugins.training_registry.historical_views import historical_bp
    from plugins.training_registry.import_views import imports_bp
    from plugins.training_registry.learning_views import learning_bp
    from plugins.training_registry.report_views import reports_bp
    from plugins.training_registry.settings_views import settings_bp
    from plugins.training_registry.trainer_views import trainers_bp
    return [curricula_bp, courses_bp, trainers_bp, attendance_bp, learning_bp, certificates_bp, verify_bp,
            imports_bp, historical_bp, reports_bp, settings_bp, training_api, training_static_bp]


@hookimpl
def samaki_permissions():
    return [
        Permission("training.view", _l("See curricula, courses and training reports"), ALL_ROLES),
        Permission("training.edit", _l("Run courses: sessions, participants, attendance and scores"), EDITORS),
        Permission("training.curricula.edit", _l("Add and approve curricula and their versions"), EDITORS),
        Permission("training.certificates.issue", _l("Issue certificates"), EDITORS),
        Permission("training.certificates.revoke", _l("Re-issue and revoke certificates"), MANAGERS),
        Permission("training.settings", _l("Change the training settings (youth band)"), MANAGERS),
    ]


@hookimpl
def samaki_nav_items(tenant, user):
    from core.permissions import can
    if not can("training.view"):
        return []
    items = [NavItem(_l("Courses"), url_for("training_courses.index"), "training_courses.index", order=30),
             NavItem(_l("Curricula"), url_for("training_curricula.index"), "training_curricula.index", order=31),
             NavItem(_l("Trainers"), url_for("training_trainers.index"), "training_trainers.index", order=32),
             NavItem(_l("Training reports"), url_for("training_reports.index"), "training_reports.index", order=33)]
    if can("training.settings"):
        items.append(NavItem(_l("Training settings"), url_for("training_settings.edit"), "training_settings.edit",
                             order=34))
    return items


@hookimpl
def samaki_dashboard_widgets(tenant, user):
    from plugins.training_registry.reports import dashboard_widgets
    return dashboard_widgets(tenant, user)


@hookimpl
def samaki_search(tenant, user, query):
    from plugins.training_registry.reports import search_hits
    return search_hits(query)


@hookimpl
def samaki_indicators(tenant, period):
    from plugins.training_registry.reports import indicators
    return indicators(tenant, period)


@hookimpl
def samaki_my_work(tenant, user):
    from plugins.training_registry.my_work import my_work
    return my_work(tenant, user)


@hookimpl
def samaki_contact_links(contact):
    from plugins.training_registry.course_views import contact_links
    return contact_links(contact)


@hookimpl
def samaki_demo_data(tenant):
    from plugins.training_registry.demo import load_demo_data
    load_demo_data(tenant)
