"""Consulting: The consulting pipeline: clients, opportunities, proposals, consultants and contracts."""
from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.plugins import PluginInfo


@hookimpl
def samaki_plugin_info():
    return PluginInfo(name="consulting_crm", label=_l("Consulting"), version="0.1.0",
                      description=_l("The consulting pipeline: clients, opportunities, proposals, consultants and contracts."))
