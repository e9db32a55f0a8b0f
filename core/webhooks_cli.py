"""`flask webhooks send`: deliver due webhook events now (the `core.webhooks` job does it every minute)."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

webhooks = AppGroup("webhooks", help="Deliver queued webhook events.")


@webhooks.command("send")
def webhooks_send() -> None:
    """Deliver webhook events that are due (failures are retried later with growing delays)."""
    from core.webhooks import deliver_due
    delivered, failed = deliver_due()
    click.echo(f"{delivered} delivered, {failed} to retry.")
    if failed:
        sys.exit(1)
