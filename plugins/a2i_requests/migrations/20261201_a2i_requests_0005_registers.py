"""A2I stands on the core registers: public bodies become institutions (same ids), closure days
move to the core calendar, and each request's requester becomes a person contact of its tenant.

Data migration, written by hand. Nothing is lost: every public body is copied to core_institution
with its id (so requests, audit records and API clients keep pointing at the same numbers), every
closure day to core_closure_day, and the requester's name, contact, sex, age group, consent and
protection to a new contact linked from the request (requester_contact_id). The old columns and
tables are dropped afterwards.

Revision ID: a2i_requests_0005
Revises: a2i_requests_0004
Create Date: 2026-12-01 23:00:00

"""
from __future__ import annotations

import re
from datetime import date, datetime

from alembic import op
import sqlalchemy as sa

from core.registers import matching


revision = 'a2i_requests_0005'
down_revision = 'a2i_requests_0004'
branch_labels = None
depends_on = 'core_0002'

_KHMER = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]")
CONSENT_SCOPE = "A2I request"
# The requests list indexes on expressions (`id DESC`), which SQLite's batch copy cannot reflect.
SORT_INDEXES = {
    'ix_a2i_request_tenant_status_due': ['tenant_id', 'status', 'due_on', sa.text('id DESC')],
    'ix_a2i_request_tenant_due': ['tenant_id', 'due_on', sa.text('id DESC')],
}
OLD_REQUESTER_COLUMNS = ('requester_name', 'requester_contact', 'requester_user_id', 'requester_sex',
                         'requester_age_group', 'consent_recorded', 'protected_requester')


def _table(connection, name: str) -> sa.Table:
    return sa.Table(name, sa.MetaData(), autoload_with=connection)


def _blank_row(table: sa.Table) -> dict:
    """A value for every column of `table` as the models' defaults would give it (inserts here are
    plain SQL, so Python-side defaults do not run)."""
    row = {}
    for column in table.columns:
        if column.primary_key:
            continue
        if column.nullable:
            row[column.name] = None
        elif isinstance(column.type, sa.Boolean):
            row[column.name] = False
        elif isinstance(column.type, sa.String):
            row[column.name] = ""
        else:
            row[column.name] = None
    return row


def _as_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)).date()


def _copy_institutions(connection) -> dict[int, int]:
    """Copy every public body into core_institution, keeping its id unless that id is taken already
    (then a new one, and every reference follows). Returns old id -> new id."""
    bodies = _table(connection, 'a2i_public_body')
    institutions = _table(connection, 'core_institution')
    rows = [dict(row._mapping) for row in connection.execute(sa.select(bodies).order_by(bodies.c.id))]
    taken = set(connection.execute(sa.select(institutions.c.id)).scalars())
    next_id = max(taken | {row['id'] for row in rows} | {0}) + 1
    id_map: dict[int, int] = {}
    for row in rows:
        if row['id'] in taken:
            id_map[row['id']] = next_id
            next_id += 1
        else:
            id_map[row['id']] = row['id']
    new_rows = []
    for row in rows:
        new = _blank_row(institutions)
        new.update({name: value for name, value in row.items() if name in institutions.c})
        new['id'] = id_map[row['id']]
        new['parent_id'] = id_map.get(row['parent_id']) if row['parent_id'] is not None else None
        new['province_id'] = id_map.get(row['province_id']) if row['province_id'] is not None else None
        new_rows.append(new)
    if new_rows:
        connection.execute(institutions.insert(), new_rows)
    if connection.dialect.name == 'postgresql':
        connection.execute(sa.text(
            "SELECT setval(pg_get_serial_sequence('core_institution', 'id'), "
            "COALESCE((SELECT MAX(id) FROM core_institution), 0) + 1, false)"))
    return id_map


def _copy_closure_days(connection) -> None:
    old = _table(connection, 'a2i_closure_day')
    new = _table(connection, 'core_closure_day')
    existing = set(connection.execute(sa.select(new.c.tenant_id, new.c.day)).all())
    rows = [{'tenant_id': row.tenant_id, 'day': row.day, 'label': row.label or ""}
            for row in connection.execute(sa.select(old).order_by(old.c.id))
            if (row.tenant_id, row.day) not in existing]
    if rows:
        connection.execute(new.insert(), rows)


def _has_requester(row) -> bool:
    """Whether the request recorded anything about its requester (a name, a contact, a user, or
    only figures such as sex and age group, which statistics need)."""
    return bool((row.requester_name or "").strip() or (row.requester_contact or "").strip()
                or row.requester_user_id is not None or row.protected_requester or row.consent_recorded
                or row.requester_sex not in (None, "not_recorded")
                or row.requester_age_group not in (None, "not_recorded"))


def _contact_for(row, users: dict, contacts: sa.Table) -> dict:
    contact = _blank_row(contacts)
    name = matching.clean_text(row.requester_name)
    reach = matching.clean_text(row.requester_contact)
    email = phone = notes = ""
    if "@" in reach and " " not in reach and len(reach) <= 254:
        email = reach
    elif len(reach) <= 50:
        phone = reach
    else:
        notes = reach        # does not fit a phone: kept whole rather than cut
    user = users.get(row.requester_user_id)
    if user is not None:
        if not name:
            name = matching.clean_text(user.name or "")
        if not email and user.email:
            email = user.email
    name_km, name_latin = (name, "") if _KHMER.search(name) else ("", name)
    created = row.created_at
    contact.update(
        tenant_id=row.tenant_id, kind='person', name_km=name_km, name_latin=name_latin, phone=phone, email=email,
        notes=notes, match_name=matching.name_key(name_km, name_latin), match_latin=matching.latin_name_key(name_latin),
        match_phone=matching.phone_key(phone),
        sex=row.requester_sex or 'not_recorded', age_group=row.requester_age_group or 'not_recorded',
        protected=bool(row.protected_requester),
        consent_scope=CONSENT_SCOPE if row.consent_recorded else "",
        consent_on=_as_date(created) if row.consent_recorded else None,
        created_at=created, updated_at=created)
    return contact


def _requesters_to_contacts(connection) -> None:
    requests = _table(connection, 'a2i_request')
    contacts = _table(connection, 'core_contact')
    users_table = _table(connection, 'core_user')
    rows = [row for row in connection.execute(sa.select(
        requests.c.id, requests.c.tenant_id, requests.c.created_at,
        *(requests.c[name] for name in OLD_REQUESTER_COLUMNS)).order_by(requests.c.id)) if _has_requester(row)]
    user_ids = {row.requester_user_id for row in rows if row.requester_user_id is not None}
    users = {user.id: user for user in connection.execute(
        sa.select(users_table.c.id, users_table.c.name, users_table.c.email).where(users_table.c.id.in_(user_ids)))
    } if user_ids else {}
    for row in rows:
        contact_id = connection.execute(
            contacts.insert().values(**_contact_for(row, users, contacts)).returning(contacts.c.id)).scalar_one()
        connection.execute(requests.update().where(requests.c.id == row.id).values(requester_contact_id=contact_id))


def _repoint_bodies(connection, id_map: dict[int, int]) -> None:
    moved = {old: new for old, new in id_map.items() if old != new}
    if not moved:
        return
    requests = _table(connection, 'a2i_request')
    for column in ('body_id', 'transferred_to_id'):
        for old, new in moved.items():
            connection.execute(requests.update().where(requests.c[column] == old).values({column: -new}))
        # Negative first so that a new id equal to another body's old id is not moved twice.
        connection.execute(requests.update().where(requests.c[column] < 0).values({column: -requests.c[column]}))


def upgrade():
    connection = op.get_bind()
    id_map = _copy_institutions(connection)
    _copy_closure_days(connection)

    with op.batch_alter_table('a2i_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requester_contact_id', sa.Integer(), nullable=True))
    _requesters_to_contacts(connection)
    _repoint_bodies(connection, id_map)

    with op.batch_alter_table('a2i_request', schema=None) as batch_op:
        batch_op.drop_constraint('fk_a2i_request_body_id_a2i_public_body', type_='foreignkey')
        batch_op.drop_constraint('fk_a2i_request_transferred_to_id_a2i_public_body', type_='foreignkey')
        batch_op.drop_constraint('fk_a2i_request_requester_user_id_core_user', type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_a2i_request_body_id_core_institution'), 'core_institution',
                                    ['body_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_a2i_request_transferred_to_id_core_institution'),
                                    'core_institution', ['transferred_to_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_a2i_request_requester_contact_id_core_contact'), 'core_contact',
                                    ['requester_contact_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_a2i_request_requester_contact_id'), ['requester_contact_id'],
                              unique=False)
        for name in OLD_REQUESTER_COLUMNS:
            batch_op.drop_column(name)

    if connection.dialect.name == 'sqlite':
        # The batch copy re-creates indexes from reflection, which loses `id DESC`: write them again.
        present = {index['name'] for index in sa.inspect(connection).get_indexes('a2i_request')}
        for name, columns in SORT_INDEXES.items():
            if name in present:
                op.drop_index(name, table_name='a2i_request')
            op.create_index(name, 'a2i_request', columns, unique=False)

    op.drop_table('a2i_closure_day')
    op.drop_table('a2i_public_body')


def downgrade():
    raise NotImplementedError(
        "a2i_requests_0005 cannot be undone without loss: public bodies now live in core_institution (which "
        "other modules may reference and extend), closure days in core_closure_day, and requesters are contacts "
        "that may since have been merged, edited or erased. Restore the backup taken before the upgrade instead.")
