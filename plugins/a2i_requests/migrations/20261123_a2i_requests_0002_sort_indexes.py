"""Indexes in the requests lists' sort orders (due date, newest submission; then newest id first).

Written by hand: Alembic's autogenerate skips indexes with an expression such as `id DESC`.

Revision ID: a2i_requests_0002
Revises: a2i_requests_0001
Create Date: 2026-11-23 12:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a2i_requests_0002'
down_revision = 'a2i_requests_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('a2i_request', schema=None) as batch_op:
        batch_op.create_index('ix_a2i_request_tenant_status_due', ['tenant_id', 'status', 'due_on', sa.text('id DESC')],
                              unique=False)
        batch_op.create_index('ix_a2i_request_tenant_due', ['tenant_id', 'due_on', sa.text('id DESC')], unique=False)
        if op.get_bind().dialect.name == "postgresql":   # SQLite cannot say NULLS LAST in an index
            batch_op.create_index('ix_a2i_request_tenant_newest', ['tenant_id', sa.text('submitted_on DESC NULLS LAST'),
                                                                   sa.text('id DESC')], unique=False)


def downgrade():
    with op.batch_alter_table('a2i_request', schema=None) as batch_op:
        if op.get_bind().dialect.name == "postgresql":
            batch_op.drop_index('ix_a2i_request_tenant_newest')
        batch_op.drop_index('ix_a2i_request_tenant_due')
        batch_op.drop_index('ix_a2i_request_tenant_status_due')
