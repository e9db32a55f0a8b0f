"""Webhooks: endpoints a tenant registers for event types, and the queue and log of deliveries.

Revision ID: core_0006
Revises: core_0005
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import core.columns


# revision identifiers, used by Alembic.
revision = 'core_0006'
down_revision = 'core_0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('core_webhook_endpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('event_types', sa.JSON(), nullable=False),
    sa.Column('secret', sa.String(length=585), nullable=False),   # sealed under the data key (core.data_key)
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('disabled_at', core.columns.UTCDateTime(), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('last_success_at', core.columns.UTCDateTime(), nullable=True),
    sa.Column('last_failure_at', core.columns.UTCDateTime(), nullable=True),
    sa.Column('created_at', core.columns.UTCDateTime(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['core_tenant.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('core_webhook_endpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_webhook_endpoint_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('core_webhook_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('endpoint_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'delivered', 'failed', name='deliverystatus', native_enum=False,
                                length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', core.columns.UTCDateTime(), nullable=False),
    sa.Column('next_attempt_at', core.columns.UTCDateTime(), nullable=False),
    sa.Column('claimed_until', core.columns.UTCDateTime(), nullable=True),
    sa.Column('last_attempt_at', core.columns.UTCDateTime(), nullable=True),
    sa.Column('response_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('delivered_at', core.columns.UTCDateTime(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['endpoint_id'], ['core_webhook_endpoint.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['core_tenant.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('core_webhook_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_core_webhook_delivery_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_core_webhook_delivery_endpoint_log', ['endpoint_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_webhook_delivery_tenant_id'), ['tenant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('core_webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_webhook_delivery_tenant_id'))
        batch_op.drop_index('ix_core_webhook_delivery_endpoint_log')
        batch_op.drop_index('ix_core_webhook_delivery_due')
    op.drop_table('core_webhook_delivery')
    with op.batch_alter_table('core_webhook_endpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_webhook_endpoint_tenant_id'))
    op.drop_table('core_webhook_endpoint')
