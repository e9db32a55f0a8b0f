"""`flask --app wsgi backup PATH` and `flask --app wsgi restore PATH` (rules in core.backup)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from core.audit import set_actor
from core.uploads import StorageUnavailable


def _secret(passphrase_file: str | None):
    from core.backup import BackupError, secret_from
    try:
        return secret_from(passphrase_file)
    except BackupError as error:
        raise click.ClickException(str(error)) from None


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--passphrase-file", type=click.Path(dir_okay=False), help="File holding the passphrase "
              "(else SAMAKI_BACKUP_PASSPHRASE, or a raw key in SAMAKI_BACKUP_KEY).")
@click.option("--no-encrypt", is_flag=True, help="Write the archive unencrypted (it holds every identity).")
@with_appcontext
def backup(path: str, passphrase_file: str | None, no_encrypt: bool) -> None:
    """Back up the database and the uploaded files into one archive, encrypted by default."""
    from core.backup import BackupError, create_backup
    secret = None if no_encrypt else _secret(passphrase_file)
    if secret is None and not no_encrypt:
        raise click.ClickException("A backup is encrypted: give --passphrase-file, SAMAKI_BACKUP_PASSPHRASE or "
                                   "SAMAKI_BACKUP_KEY (or --no-encrypt to write it in the clear).")
    try:
        manifest = create_backup(path, secret)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    except OperationalError as error:
        raise click.ClickException(f"Cannot reach the database: {error.orig}") from None
    except StorageUnavailable:
        raise click.ClickException("Cannot reach the stored files (the upload folder or the S3 bucket): see the "
                                   "log. Nothing was changed.") from None
    rows = sum(manifest["counts"].values())
    state = "encrypted" if secret else "NOT encrypted"
    click.echo(f"Backup written to {path} ({state}): {len(manifest['counts'])} tables, {rows} rows, "
               f"{manifest['files']} files.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--passphrase-file", type=click.Path(dir_okay=False), help="File holding the passphrase "
              "(else SAMAKI_BACKUP_PASSPHRASE, or a raw key in SAMAKI_BACKUP_KEY).")
@click.option("--from-another-instance", "from_another_instance", is_flag=True,
              help="Accept a backup made by another instance (moving it to this host): this instance takes its id.")
@with_appcontext
def restore(path: str, passphrase_file: str | None, from_another_instance: bool) -> None:
    """Restore a backup into this EMPTY instance, then erase again everyone in the erasure log."""
    from core.backup import BackupError, restore_backup
    set_actor(None, "restore")
    try:
        summary = restore_backup(path, _secret(passphrase_file), allow_other_instance=from_another_instance)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    except OperationalError as error:
        raise click.ClickException(f"Cannot reach the database: {error.orig}") from None
    except StorageUnavailable:
        raise click.ClickException("Cannot reach the stored files (the upload folder or the S3 bucket): see the "
                                   "log. Nothing was changed.") from None
    manifest = summary["manifest"]
    click.echo(f"Restored the backup of {manifest['created_at']}: {sum(summary['counts'].values())} rows, "
               f"{manifest['files']} files; {summary['erased_again']} erased people erased again.")
    click.echo("Check it with: flask --app wsgi audit verify")
