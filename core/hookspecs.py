"""The plugin contract. Samaki's core calls these hooks; plugins (and the core itself, see
core/builtin.py) implement them. A plugin never reaches into another plugin."""
from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("samaki")
hookimpl = pluggy.HookimplMarker("samaki")


@hookspec(firstresult=True)
def samaki_plugin_info():
    """This plugin's PluginInfo(name, label, version, description). `name` is the key tenants
    switch on and off; `label` is a lazily translated string."""


@hookspec
def samaki_register_models():
    """Import the plugin's models so SQLAlchemy metadata (and migrations) see them."""


@hookspec
def samaki_migration_dirs():
    """Folders holding this plugin's Alembic version branch (a list of paths)."""


@hookspec
def samaki_blueprints():
    """The plugin's Flask blueprints: a list of Blueprint. HTML blueprints are mounted under
    /t/<tenant_slug>/; flask-smorest API blueprints (core.api.ApiBlueprint) under /api/v1/t/<tenant_slug>/."""


@hookspec
def samaki_permissions():
    """The permissions this plugin defines: a list of Permission(name, label, roles)."""


@hookspec
def samaki_nav_items(tenant, user):
    """Menu entries for this tenant and user: a list of NavItem. Each worker keeps the result per
    tenant, language, role (with its permissions) and enabled plugins (core.navigation), so decide
    with `can(...)` and the tenant only, never with something else about the user."""


@hookspec
def samaki_dashboard_widgets(tenant, user):
    """Cards on the tenant dashboard: a list of Widget(title, template, context, order)."""


@hookspec
def samaki_search(tenant, user, query):
    """Hits for the global search box: a list of SearchHit. `query` is already stripped."""


@hookspec(firstresult=True)
def samaki_audit_label(event):
    """Human text for one of this plugin's audit events, or None to use the default."""


@hookspec
def samaki_cli(group):
    """Add click commands to the `flask` command group `group`."""


@hookspec
def samaki_demo_data(tenant):
    """Create realistic demo rows for `tenant` (called inside its tenant scope)."""


@hookspec
def samaki_indicators(tenant, period):
    """Figures for the results framework: a list of core.plugins.Indicator for `tenant` over
    `period` (a core.periods.Period, or anything core.periods.period_bounds accepts: the results
    framework asks for a quarter, a year, a fiscal year or, for figures counted since a baseline,
    the range from the baseline date). Each carries its value, its disaggregation (`breakdown`:
    dimension -> cell -> value; the cells of "sex" are Sex values, of "province" province codes),
    for distinct counts the instance-wide `keys` counted (so working-group roll-ups count a district
    once however many members it disclosed to), and a drill-down `url` to the page that lists the
    records behind the figure, with the `permission` that page needs. Codes are stable
    ("a2i.active_districts"): frameworks and snapshots refer to them. Count as the module's own
    pages count; read only the tenant's rows (the call runs inside its tenant scope)."""


@hookspec
def samaki_my_work(tenant, user):
    """What is assigned to `user` in `tenant` and due soon (or overdue): a list of
    core.plugins.WorkItem, shown under "My work" on the tenant dashboard, soonest first. Only what the
    user may open; never another person's protected identity in the title. Keep it to a few
    queries, bounded (at most about ten items per module)."""


@hookspec
def samaki_shareable_types():
    """Record types that may be shared with working groups: a list of ShareableType."""


@hookspec
def samaki_group_panels(group, tenant, user):
    """Panels on a working group's page, shown to the members of the group's tenants only (the
    core has already checked that `tenant` belongs to `group`): a list of Widget(title, template,
    context, order), each rendered in a card with `panel` in its template's context. Build them from
    what members shared with the group (core SharedRecord rows and their published fields) and
    from instance-wide data; never read another tenant's own tables. Keep the queries few and
    constant in number, and each panel bounded."""


@hookspec
def samaki_jobs():
    """Scheduled jobs: a list of Job(name, every, function)."""


@hookspec
def samaki_contact_links(contact):
    """Where `contact` (a core.registers.models.Contact of the current tenant) appears in this
    plugin: a list of core.plugins.ContactLink, one per record that points at the contact. The
    core uses them on the contact page ("where this person appears"), to re-point every link when
    two contacts are merged, and to list for review what an erasure must look at. Read through
    the tenant-scoped session; keep it to one query per model.

    Modules never import each other to offer the shared registers as choices; the core serves
    every module the same way (no hook is needed, since the registers live in the core):
    - places: core.registers.fields.PlaceField(kind=…) in a form (type-ahead, works without
      JavaScript), core.registers.places.search_places / place_label;
    - institutions: core.registers.institutions.visible_institutions(include_former=False);
    - projects: core.registers.projects.project_choices(tenant, locale);
    - contacts: core.registers.contacts.create_contact / contact_list_query, an organisation
      picked with core.registers.fields.OrganisationField, names shown through
      core.registers.protection.shown_name;
    - working days: core.registers.calendar.tenant_calendar(tenant_id), working_day_warning."""


@hookspec
def samaki_tenant_file_folders(tenant_id):
    """Folders of the file store (core.uploads) outside UPLOAD_FOLDER/<tenant_id>/ where this plugin
    keeps files that belong to tenant `tenant_id` alone: a dict {name: Path}, `name` a short stable
    label such as "a2i_requests/attachments". The tenant export puts their files under
    `files/<name>/` and tenant deletion removes them (backups carry every file anyway)."""


@hookspec
def samaki_webhook_events():
    """Event types this plugin sends to webhooks: a list of core.webhooks.WebhookEvent(name, label,
    schema). `name` is stable ("a2i.request.status_changed"); `schema` is the JSON Schema of the
    event's `data` (it goes into the OpenAPI document's `webhooks` section, and core.webhooks.emit
    refuses keys it does not declare). Send them with core.webhooks.emit(tenant_id, name, data) in the
    transaction of the change. Data carries ids, references, statuses, dates and links — never a
    person's identity (names, contact details), protected or not."""
