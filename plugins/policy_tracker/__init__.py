"""Policy tracker: Laws and policies through their stages, advocacy campaigns and positions."""
from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.plugins import PluginInfo


@hookimpl
def samaki_plugin_info():
    return PluginInfo(name="policy_tracker", label=_l("Policy tracker"), version="0.1.0",
                      description=_l("Laws and policies through their stages, advocacy campaigns and positions."))
