"""`flask --app wsgi …` commands: init, demo, tenants, users, members, audit verify, backup, restore."""
from __future__ import annotations

import secrets
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from core.admin.services import create_tenant
from core.audit import set_actor, verify_chains
from core.errors import DomainError
from core.extensions import db
from core.models import Membership, Role, Tenant, TenantPlugin, User
from core.tenancy import tenant_scope

DEMO_TENANTS = [
    ("demo-lead", "Advocacy and Policy Institute (demo)", "km"),
    ("demo-cso", "Kampong Speu Community Network (demo)", "km"),
    ("demo-consulting", "API Development Consulting (demo)", "km"),
]
# The plugins each demo tenant has switched off: the consulting enterprise is its own tenant, and
# the NGOs' staff never see its pipeline.
DEMO_PLUGINS_OFF = {"demo-lead": ("consulting_crm",), "demo-cso": ("consulting_crm",),
                    "demo-consulting": ("a2i_requests", "policy_tracker")}
# Members of the demo working group (A2IWG).
DEMO_GROUP_MEMBERS = ("demo-lead", "demo-cso")
DEMO_NAMES = {"owner": "Sok Dara", "admin": "Chan Sreyneang", "staff": "Keo Vannak", "member": "Lim Sophea",
              "viewer": "Meas Bopha"}


def register_cli(app: Flask, plugins) -> None:
    app.cli.add_command(init)
    app.cli.add_command(demo)
    app.cli.add_command(tenants)
    app.cli.add_command(users)
    app.cli.add_command(audit)
    app.cli.add_command(tokens)
    app.cli.add_command(outbox)
    app.cli.add_command(groups)
    app.cli.add_command(jobs)
    app.cli.add_command(decrypt_export)
    from core.backup_cli import backup, restore
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    from core.registers.cli import register_register_cli
    register_register_cli(app)
    plugins.pm.hook.samaki_cli(group=app.cli)


@click.command("init")
@with_appcontext
def init() -> None:
    """Create or upgrade the database schema (all migration branches)."""
    from core.migrations import upgrade_all
    from core.registers.cli import load_reference_data
    upgrade_all()
    click.echo(load_reference_data())
    click.echo("Database is up to date.")
    if db.engine.dialect.name == "postgresql":
        from core.rls import check_role
        with db.engine.connect() as connection:
            problem = check_role(connection)
        if problem:
            click.echo(f"Warning: {problem}", err=True)


def create_user(email: str, name: str, password: str | None, *, superadmin: bool = False) -> User:
    user = User(email=email, name=name, is_superadmin=superadmin)
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def add_member(user: User, tenant: Tenant, role: Role) -> Membership:
    membership = Membership(user=user, tenant=tenant, role=role)
    db.session.add(membership)
    db.session.flush()
    return membership


def find_tenant(slug: str) -> Tenant:
    tenant = db.session.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
    if tenant is None:
        raise click.ClickException(f"No tenant with slug {slug!r}.")
    return tenant


def find_user(email: str) -> User:
    user = db.session.execute(select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"No user with e-mail {email!r}.")
    return user


@click.command("demo")
@with_appcontext
@click.option("--password", help="Password for every demo user (random and printed when not given).")
def demo(password: str | None) -> None:
    """Create the demo tenants, one user per role in each, and each plugin's demo data."""
    set_actor(None, "demo")
    if db.session.execute(select(Tenant).where(Tenant.slug == DEMO_TENANTS[0][0])).scalar_one_or_none():
        click.echo("Demo data already exists; nothing to do.")
        return
    password = password or secrets.token_urlsafe(9)
    create_user("superadmin@samaki.example", "Samaki Operator", password, superadmin=True)
    state = current_app.extensions["samaki"]
    demo_tenants = []
    for slug, name, locale in DEMO_TENANTS:
        tenant = create_tenant(slug, name, locale)
        tenant.plugin_switches += [TenantPlugin(plugin=plugin, enabled=False)
                                   for plugin in DEMO_PLUGINS_OFF.get(slug, ()) if plugin in state.plugins]
        for role in Role:
            user = create_user(f"{role.value}@{slug}.example", DEMO_NAMES[role.value], password)
            add_member(user, tenant, role)
        demo_tenants.append(tenant)
    # The group exists before the modules' demo data, so that they can share records with it.
    from core.models import WorkingGroup, WorkingGroupMember
    group = WorkingGroup(slug="a2iwg", name="Access to Information Working Group (A2IWG)",
                         description="CSOs advocating for the A2I law and monitoring disclosure.",
                         convening_tenant_id=demo_tenants[0].id, public_scoreboard=True)
    group.members += [WorkingGroupMember(tenant_id=t.id) for t in demo_tenants if t.slug in DEMO_GROUP_MEMBERS]
    db.session.add(group)
    db.session.flush()
    for tenant in demo_tenants:
        with tenant_scope(tenant.id):
            state.hook_for(tenant, "samaki_demo_data")(tenant=tenant)     # only the plugins it has on
    db.session.commit()
    click.echo("Demo data created. Log in at http://127.0.0.1:5000/login with any of:")
    for slug, _name, _locale in DEMO_TENANTS:
        for role in Role:
            click.echo(f"  {role.value}@{slug}.example")
    click.echo("  superadmin@samaki.example (instance operator)")
    click.echo(f"Password for all of them: {password}")


tenants = AppGroup("tenants", help="Manage tenants.")
users = AppGroup("users", help="Manage users and memberships.")
audit = AppGroup("audit", help="Check the audit log.")
tokens = AppGroup("tokens", help="Manage API tokens.")
outbox = AppGroup("outbox", help="Deliver queued e-mail.")
groups = AppGroup("groups", help="Manage working groups (A2IWG, DRWG…).")
jobs = AppGroup("jobs", help="Run scheduled jobs (cron: * * * * * flask --app wsgi jobs run-due).")


@tenants.command("create")
@click.argument("slug")
@click.argument("name")
@click.option("--locale", default="km", type=click.Choice(["km", "en"]))
def tenants_create(slug: str, name: str, locale: str) -> None:
    """Create a tenant."""
    set_actor(None, "cli")
    try:
        create_tenant(slug, name, locale)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Tenant {slug} created.")


@tenants.command("list")
def tenants_list() -> None:
    """List tenants."""
    from core.tenant_export import scheduled_deletion
    for tenant in db.session.execute(select(Tenant).order_by(Tenant.slug)).scalars():
        due = scheduled_deletion(tenant)
        click.echo(f"{tenant.slug}\t{tenant.name}" + (f"\tdeleted on {due.isoformat()}" if due else ""))


@tenants.command("delete")
@click.argument("slug")
@click.option("--days", default=30, type=click.IntRange(1, 3650), show_default=True,
              help="Grace period: the tenant is switched off now and deleted after this many days.")
@click.option("--now", "immediately", is_flag=True, help="Delete at once instead (asks for confirmation).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (with --now).")
def tenants_delete(slug: str, days: int, immediately: bool, yes: bool) -> None:
    """Delete a tenant: switched off now, deleted after the grace period by the job
    core.tenants.delete_due (or at once with --now). Recorded in the instance audit log."""
    from core.tenant_export import delete_tenant, deletion_date, schedule_deletion
    set_actor(None, "cli")
    tenant = find_tenant(slug)
    if not immediately:
        on = deletion_date(tenant.today(), days)
        schedule_deletion(tenant, on=on)
        db.session.commit()
        click.echo(f"Tenant {slug} is switched off and will be deleted on {on.isoformat()} "
                   f"(undo with: tenants cancel-deletion {slug}).")
        return
    if not yes:
        click.confirm(f"Delete {slug} ({tenant.name}) and all its records and files now? This cannot be undone",
                      abort=True)
    try:
        deleted = delete_tenant(tenant)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Tenant {slug} deleted ({sum(deleted.values())} rows).")


@tenants.command("cancel-deletion")
@click.argument("slug")
def tenants_cancel_deletion(slug: str) -> None:
    """Withdraw a scheduled deletion and switch the tenant on again."""
    from core.tenant_export import cancel_deletion
    set_actor(None, "cli")
    try:
        cancel_deletion(find_tenant(slug))
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Tenant {slug} will not be deleted and is switched on again.")


@click.command("decrypt-export")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.argument("target", type=click.Path(dir_okay=False, writable=True))
@click.option("--passphrase", prompt=True, hide_input=True, help="The passphrase given at download.")
@with_appcontext
def decrypt_export(source: str, target: str, passphrase: str) -> None:
    """Decrypt a tenant export that includes protected identities (….zip.enc) into a zip file."""
    from pathlib import Path

    from core.tenant_export import decrypt_archive
    try:
        data = decrypt_archive(Path(source).read_bytes(), passphrase)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    Path(target).write_bytes(data)
    click.echo(f"Decrypted into {target}.")


@users.command("create")
@click.argument("email")
@click.argument("name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--superadmin", is_flag=True, help="Instance operator: may create tenants.")
def users_create(email: str, name: str, password: str, superadmin: bool) -> None:
    """Create a user."""
    from core.auth.passwords import password_problems
    set_actor(None, "cli")
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise click.ClickException(" ".join(str(p) for p in problems))
    create_user(email, name, password, superadmin=superadmin)
    db.session.commit()
    click.echo(f"User {email} created.")


@users.command("add-member")
@click.argument("email")
@click.argument("tenant_slug")
@click.argument("role", type=click.Choice([r.value for r in Role]))
def users_add_member(email: str, tenant_slug: str, role: str) -> None:
    """Give a user a role in a tenant."""
    set_actor(None, "cli")
    add_member(find_user(email), find_tenant(tenant_slug), Role(role))
    db.session.commit()
    click.echo(f"{email} is now {role} of {tenant_slug}.")


@users.command("reset-two-factor")
@click.argument("email")
def users_reset_two_factor(email: str) -> None:
    """An operator clears a user's second factor (a lost phone); audited in the instance log."""
    from core.auth import two_factor
    set_actor(None, "cli")
    try:
        two_factor.reset(find_user(email), by=None, tenant_id=None)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"The second factor of {email} has been reset.")


@tokens.command("create")
@click.argument("email")
@click.argument("tenant_slug")
@click.option("--name", default="command line", help="What the token is for.")
@click.option("--days", default=90, type=click.IntRange(0, 3650), help="Days until it expires (0: never).")
def tokens_create(email: str, tenant_slug: str, name: str, days: int) -> None:
    """Create an API token for EMAIL's membership in TENANT_SLUG and print it (shown once)."""
    from core.auth.tokens import issue_token
    set_actor(None, "cli")
    user, tenant = find_user(email), find_tenant(tenant_slug)
    membership = db.session.execute(select(Membership).where(
        Membership.user_id == user.id, Membership.tenant_id == tenant.id, Membership.is_active)).scalar_one_or_none()
    if membership is None:
        raise click.ClickException(f"{email} is not an active member of {tenant_slug}.")
    _token, secret = issue_token(membership, name, days or None)
    db.session.commit()
    click.echo(secret)


@groups.command("create")
@click.argument("slug")
@click.argument("name")
@click.argument("convening_tenant_slug")
@click.option("--description", default="")
def groups_create(slug: str, name: str, convening_tenant_slug: str, description: str) -> None:
    """Create a working group convened by a tenant (which becomes its first member)."""
    from core.admin.services import validate_slug
    from core.models import WorkingGroup, WorkingGroupMember
    set_actor(None, "cli")
    problem = validate_slug(slug)
    if problem:
        raise click.ClickException(str(problem))
    convener = find_tenant(convening_tenant_slug)
    group = WorkingGroup(slug=slug, name=name, description=description, convening_tenant_id=convener.id)
    group.members.append(WorkingGroupMember(tenant_id=convener.id))
    db.session.add(group)
    db.session.commit()
    click.echo(f"Working group {slug} created, convened by {convening_tenant_slug}.")


@groups.command("add-tenant")
@click.argument("group_slug")
@click.argument("tenant_slug")
def groups_add_tenant(group_slug: str, tenant_slug: str) -> None:
    """Make a tenant a member of a working group."""
    from core.models import WorkingGroup, WorkingGroupMember
    set_actor(None, "cli")
    group = db.session.execute(select(WorkingGroup).where(WorkingGroup.slug == group_slug)).scalar_one_or_none()
    if group is None:
        raise click.ClickException(f"No working group {group_slug}.")
    tenant = find_tenant(tenant_slug)
    if any(member.tenant_id == tenant.id for member in group.members):
        raise click.ClickException(f"{tenant_slug} is already a member of {group_slug}.")
    group.members.append(WorkingGroupMember(tenant_id=tenant.id))
    db.session.commit()
    click.echo(f"{tenant_slug} joined {group_slug}.")


@outbox.command("send")
def outbox_send() -> None:
    """Deliver queued e-mail that is due (failed sends are retried later with growing delays)."""
    from core.outbox import deliver_due
    sent, failed = deliver_due()
    click.echo(f"{sent} sent, {failed} to retry.")
    if failed:
        sys.exit(1)


@jobs.command("run-due")
@click.option("--enqueue", is_flag=True, help="Hand due jobs to the RQ worker (needs SAMAKI_REDIS_URL).")
def jobs_run_due(enqueue: bool) -> None:
    """Run every scheduled job that is due; safe to start from cron every minute on several hosts."""
    from core.jobs import run_due
    taken = run_due(enqueue=enqueue)
    click.echo(", ".join(taken) if taken else "Nothing due.")


@jobs.command("list")
def jobs_list() -> None:
    """Show the registered jobs and when each runs next."""
    from core.jobs import registered_jobs
    from core.models import JobRun
    for name, job in sorted(registered_jobs().items()):
        row = db.session.get(JobRun, name)
        click.echo(f"{name}\tevery {job.every}\tnext {row.next_run_at.isoformat() if row else 'now'}")


@audit.command("verify")
def audit_verify() -> None:
    """Check every audit chain; exit 1 naming the first broken link of each broken chain."""
    broken = verify_chains(db.session)
    if broken:
        for link in broken:
            click.echo(f"BROKEN {link}", err=True)
        sys.exit(1)
    click.echo("Audit log intact.")
