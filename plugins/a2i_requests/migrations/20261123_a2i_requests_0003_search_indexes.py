"""Trigram indexes for searching requests by reference, subject and question (PostgreSQL only).

Search matches a word anywhere in the text (Khmer has no spaces between words), which no b-tree
can serve: without these indexes every search reads all of a tenant's requests. The indexed
expression is core.search.normalised_column's, so the planner uses them for its LIKE '%…%'.
SQLite searches without an index (the small, single-office default).

Revision ID: a2i_requests_0003
Revises: a2i_requests_0002
Create Date: 2026-11-23 13:05:00

"""
from alembic import op


revision = 'a2i_requests_0003'
down_revision = 'a2i_requests_0002'
branch_labels = None
depends_on = None

COLUMNS = ("reference", "subject", "question")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        op.execute(f"CREATE INDEX ix_a2i_request_search_{column} ON a2i_request "
                   f"USING gin (lower(replace({column}, '\u200b', '')) gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS ix_a2i_request_search_{column}")
