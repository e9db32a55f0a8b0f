"""Users: sessions logged out of (refused on every app host) and the choice of Khmer digits.

Revision ID: core_0007
Revises: core_0006
Create Date: 2026-12-02 11:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'core_0007'
down_revision = 'core_0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('core_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_sessions', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('khmer_digits', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('core_user', schema=None) as batch_op:
        batch_op.drop_column('khmer_digits')
        batch_op.drop_column('ended_sessions')
