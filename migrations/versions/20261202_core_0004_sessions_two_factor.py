"""Sessions that can be ended everywhere, two-factor sign-in (TOTP, recovery codes) and the tenant
rule that requires it.

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-12-02 07:10:00

"""
from alembic import op
import sqlalchemy as sa

import core.columns


# revision identifiers, used by Alembic.
revision = 'core_0004'
down_revision = 'core_0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('core_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=128), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('totp_enabled_at', core.columns.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
    with op.batch_alter_table('core_tenant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('require_two_factor', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table('core_recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', core.columns.UTCDateTime(), nullable=False),
    sa.Column('used_at', core.columns.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('core_recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_recovery_code_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('core_recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_recovery_code_user_id'))
    op.drop_table('core_recovery_code')
    with op.batch_alter_table('core_tenant', schema=None) as batch_op:
        batch_op.drop_column('require_two_factor')
    with op.batch_alter_table('core_user', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('session_version')
