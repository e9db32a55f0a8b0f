"""Trigram indexes for searching contacts by name and e-mail (PostgreSQL only).

The global search, the contacts list's q=, the pickers and the modules' searches (clients,
consultants, trainers) match a word anywhere in a contact's names: without these indexes a rare word
read every contact of the tenant (200,000 in the benchmark: ≈ 80–140 ms a search, twice per global
search). The indexed expression is core.search.normalised_column's, as for the A2I requests
(a2i_requests_0003). A protected contact's values are sealed, so they never match here; they are
matched after decryption (core.registers.contacts.protected_matching).

Revision ID: core_0008
Revises: core_0007
Create Date: 2026-12-02 14:10:00

"""
from alembic import op

revision = 'core_0008'
down_revision = 'core_0007'
branch_labels = None
depends_on = None

COLUMNS = ("name_latin", "name_km", "email")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        op.execute(f"CREATE INDEX ix_core_contact_search_{column} ON core_contact "
                   f"USING gin (lower(replace({column}, '\u200b', '')) gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS ix_core_contact_search_{column}")
