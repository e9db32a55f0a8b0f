"""`flask demo`, `tenants create`, `users create`, `users add-member`."""
from sqlalchemy import select

from core.extensions import db
from core.models import Membership, Role, Tenant, User


def test_demo_creates_both_tenants_with_a_user_per_role(app):
    result = app.test_cli_runner().invoke(args=["demo", "--password", "demo-pass-2026!"])
    assert result.exit_code == 0, result.output
    slugs = set(db.session.execute(select(Tenant.slug)).scalars())
    assert {"demo-lead", "demo-cso"} <= slugs
    for slug in ("demo-lead", "demo-cso"):
        for role in Role:
            email = f"{role.value}@{slug}.example"
            assert email in result.output
            user = db.session.execute(select(User).where(User.email == email)).scalar_one()
            assert user.check_password("demo-pass-2026!")
            assert user.memberships[0].role == role
    assert "demo-pass-2026!" in result.output


def test_demo_without_password_prints_a_random_one(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    password = result.output.rsplit("Password for all of them: ", 1)[1].strip()
    assert len(password) >= 10
    owner = db.session.execute(select(User).where(User.email == "owner@demo-lead.example")).scalar_one()
    assert owner.check_password(password)


def test_tenant_user_and_membership_commands(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "create", "svay-rieng-cbo", "Svay Rieng CBO"]).exit_code == 0
    result = runner.invoke(args=["users", "create", "Dara@Example.org", "Dara", "--password", "a-long-pass-phrase-9"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["users", "add-member", "dara@example.org", "svay-rieng-cbo", "admin"]).exit_code == 0
    membership = db.session.execute(select(Membership)).scalar_one()
    assert membership.user.email == "dara@example.org" and membership.role == Role.ADMIN
    bad = runner.invoke(args=["tenants", "create", "Bad Slug!", "x"])
    assert bad.exit_code != 0 and "lower-case" in bad.output
    weak = runner.invoke(args=["users", "create", "x@example.org", "X", "--password", "short"])
    assert weak.exit_code != 0 and "at least" in weak.output
