"""field visits (the test plugin's own branch)

Revision ID: visits_0001
Revises:
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "visits_0001"
down_revision = None
branch_labels = ("field_visits",)
depends_on = "core_0001"


def upgrade():
    op.create_table(
        "visits_field_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["core_tenant.id"], name=op.f("fk_visits_field_visit_tenant_id_core_tenant"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits_field_visit")),
    )
    op.create_index(op.f("ix_visits_field_visit_tenant_id"), "visits_field_visit", ["tenant_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_visits_field_visit_tenant_id"), table_name="visits_field_visit")
    op.drop_table("visits_field_visit")
