"""The plugin host: a pluggy PluginManager holding the core's own hooks, the installed plugins
(entry-point group `samaki.plugins`) and the per-tenant switches."""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pluggy
from flask import Flask

from core import hookspecs

ENTRY_POINT_GROUP = "samaki.plugins"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PluginInfo:
    name: str
    label: Any
    version: str = "0"
    description: Any = ""


@dataclass
class NavItem:
    label: Any
    url: str
    endpoint: str = ""
    order: int = 50
    active: bool = False


@dataclass
class Widget:
    title: Any
    template: str
    context: dict = field(default_factory=dict)
    order: int = 50


@dataclass
class SearchHit:
    title: str
    url: str
    kind: Any
    snippet: str = ""
    score: float = 0.0


@dataclass
class Indicator:
    """One figure a module computes for a tenant and a period (see the samaki_indicators hook)."""

    code: str
    label: Any
    value: float
    target: float | None = None
    unit: str = ""
    # Disaggregation: dimension ("sex", "youth", "disability", "idpoor", "province") -> cell -> value,
    # e.g. {"sex": {"female": 12, "male": 10}}. Cells are stable codes (province codes, "female"…) so
    # figures of several tenants add up; core.disaggregation names the usual ones.
    breakdown: dict = field(default_factory=dict)
    # For counts of distinct things (districts, ministries): instance-wide key of each thing counted
    # ("institution:KH-D-0801") -> its attributes for the breakdown ({"province": "KH-08"}), so a
    # roll-up over several tenants counts a thing once. None for a plain sum or a percentage.
    keys: dict | None = None
    url: str = ""                # the page listing the records behind the figure (drill-down)
    permission: str = ""         # what a user needs to follow `url`; the link is hidden otherwise


@dataclass
class WorkItem:
    """Something assigned to a user and due soon (see the samaki_my_work hook)."""

    title: str
    url: str
    kind: Any                    # what it is: "Information request", "Deliverable"… (translated)
    due_on: date | None = None
    note: str = ""               # a short status: "Reply due", "No attendance recorded"…


@dataclass
class ContactLink:
    """One record of a plugin that points at a contact (see the samaki_contact_links hook)."""

    record: Any                  # the plugin's row
    attribute: str               # its attribute holding the contact id; a merge sets it to the kept contact
    role: Any                    # how the contact appears there: "Requester", "Participant"… (translated)
    title: str                   # what the record is, e.g. "A2I-2026-0007 · Kampot district budget"
    url: str = ""
    # Free text or files of the record that may name the person: listed for the admin on erasure.
    review_on_erasure: tuple = ()
    # Columns that with `attribute` must stay unique (a campaign lists a stakeholder once): when the
    # kept contact of a merge already has such a row, the merged contact's row is deleted instead.
    unique_with: tuple = ()


@dataclass(frozen=True)
class ShareableType:
    """A record type a plugin lets tenants share with working groups. `fields` maps the attributes
    that may be published to their labels; the model's `__sensitive__` attributes can never be among
    them. `title` gives the line shown in the group feed."""

    name: str                          # e.g. "a2i.request"
    label: Any
    model: type
    fields: dict
    title: Any                         # callable(record) -> str

    def __post_init__(self):
        leaked = set(self.fields) & set(getattr(self.model, "__sensitive__", ()))
        if leaked:
            raise ValueError(f"{self.name} would publish sensitive fields {sorted(leaked)}")


@dataclass
class SamakiState:
    """What the app keeps about its plugins; stored in app.extensions["samaki"]."""

    pm: pluggy.PluginManager
    plugins: dict[str, PluginInfo]                                   # plugin name -> info
    modules: dict[str, object]                                       # plugin name -> plugin object
    blueprint_plugin: dict[str, str] = field(default_factory=dict)   # blueprint name -> plugin name
    permissions: Any = None

    @property
    def hook(self):
        return self.pm.hook

    def hook_for(self, tenant, hook_name: str):
        """The hook caller limited to the core and the plugins `tenant` has switched on."""
        disabled = [module for name, module in self.modules.items()
                    if tenant is not None and not tenant.plugin_enabled(name)]
        if not disabled:
            return getattr(self.pm.hook, hook_name)
        return self.pm.subset_hook_caller(hook_name, remove_plugins=disabled)

    def collect(self, hook_name: str, tenant, **kwargs) -> list:
        """Flattened results of a list-returning, per-tenant hook (called with `tenant=` and kwargs)."""
        return [item for result in self.hook_for(tenant, hook_name)(tenant=tenant, **kwargs) for item in (result or [])]


def build_plugin_manager(plugin_modules: list[str] | None = None, trace: bool = False) -> pluggy.PluginManager:
    """The core's own hooks plus either the installed plugins or exactly `plugin_modules` (tests)."""
    from core import builtin

    pm = pluggy.PluginManager("samaki")
    pm.add_hookspecs(hookspecs)
    pm.register(builtin, name="core")
    if plugin_modules is None:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    else:
        for module_name in plugin_modules:
            pm.register(importlib.import_module(module_name), name=module_name)
    if trace:
        pm.add_hookcall_monitoring(
            lambda name, impls, kwargs: log.warning("hook %s(%s)", name, kwargs),
            lambda outcome, name, impls, kwargs: log.warning("hook %s -> %r", name, outcome.get_result()))
    return pm


def load_plugins(app: Flask) -> SamakiState:
    pm = build_plugin_manager(app.config.get("PLUGINS"), app.config.get("TRACE_HOOKS", False))
    pm.hook.samaki_register_models()
    plugins, modules = {}, {}
    for impl in pm.hook.samaki_plugin_info.get_hookimpls():
        info = impl.function()
        plugins[info.name], modules[info.name] = info, impl.plugin
    state = SamakiState(pm=pm, plugins=plugins, modules=modules)
    app.extensions["samaki"] = state
    return state


def migration_dirs(pm: pluggy.PluginManager) -> list[str]:
    core_versions = Path(__file__).resolve().parent.parent / "migrations" / "versions"
    dirs = [str(core_versions)]
    for result in pm.hook.samaki_migration_dirs():
        dirs.extend(str(Path(d)) for d in result or [])
    return dirs


def register_blueprints(app: Flask, state: SamakiState, api) -> None:
    """Mount every blueprint from the core and the plugins, remembering which plugin owns which."""
    from core.api import ApiBlueprint
    from core.extensions import csrf

    owner = {id(module): name for name, module in state.modules.items()}
    for impl in state.pm.hook.samaki_blueprints.get_hookimpls():
        name = owner.get(id(impl.plugin), "core")
        for blueprint in impl.function() or []:
            state.blueprint_plugin[blueprint.name] = name
            if isinstance(blueprint, ApiBlueprint):
                api.register_blueprint(blueprint, url_prefix=blueprint.mount_prefix)
                csrf.exempt(blueprint)   # token-authenticated only (see core.auth.loaders)
            else:
                app.register_blueprint(blueprint)
