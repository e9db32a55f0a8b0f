"""Working groups may publish a public disclosure scoreboard (opt-in).

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-12-02 06:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0003'
down_revision = 'core_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('core_working_group', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_scoreboard', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('core_working_group', schema=None) as batch_op:
        batch_op.drop_column('public_scoreboard')
