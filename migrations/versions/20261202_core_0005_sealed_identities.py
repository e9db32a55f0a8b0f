"""Protected identities and two-factor secrets encrypted at rest: the columns widen to hold the
sealed values (core.data_key.sealed_length of each text's own limit) and the match phone to hold a
keyed hash. Values already stored are sealed by `flask --app wsgi contacts rotate-data-key`.

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-12-02 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0005'
down_revision = 'core_0004'
branch_labels = None
depends_on = None

# column: (length before, length now)
CONTACT_COLUMNS = {
    'name_km': (200, 1118),
    'name_latin': (200, 1118),
    'phone': (50, 318),
    'email': (254, 1406),
    'address': (300, 1652),
    'id_number': (64, 393),
    'photo_name': (64, 393),
    'match_phone': (20, 64),
}
USER_COLUMNS = {'totp_secret': (128, 222)}


def _widen(table: str, columns: dict, grow: bool) -> None:
    # PostgreSQL widens a varchar in place (its indexes, ix_core_contact_tenant_list_order included,
    # stay valid); SQLite recreates the table in batch mode.
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name, (before, now) in columns.items():
            old, new = (before, now) if grow else (now, before)
            batch_op.alter_column(name, existing_type=sa.String(length=old), type_=sa.String(length=new),
                                  existing_nullable=False)


def upgrade():
    _widen('core_contact', CONTACT_COLUMNS, grow=True)
    _widen('core_user', USER_COLUMNS, grow=True)


def downgrade():
    # Only possible once nothing sealed is left (the values would not fit).
    _widen('core_user', USER_COLUMNS, grow=False)
    _widen('core_contact', CONTACT_COLUMNS, grow=False)
