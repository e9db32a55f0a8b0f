"""Training registry: Curricula, courses, sessions, trainers, participants, attendance, tests and certificates."""
from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.plugins import PluginInfo


@hookimpl
def samaki_plugin_info():
    return PluginInfo(name="training_registry", label=_l("Training registry"), version="0.1.0",
                      description=_l("Curricula, courses, sessions, trainers, participants, attendance, tests and certificates."))
