"""Small factories and helpers for tests: build exactly the rows a test needs."""
from __future__ import annotations

import re

from core.extensions import db
from core.models import Membership, Role, Tenant, User

PASSWORD = "correct-horse-battery-42"


def make_tenant(slug: str, name: str | None = None, **fields) -> Tenant:
    fields.setdefault("default_locale", "en")   # tests read English unless they choose Khmer
    tenant = Tenant(slug=slug, name=name or slug.replace("-", " ").title(), **fields)
    db.session.add(tenant)
    db.session.commit()
    return tenant


def make_user(email: str, name: str = "Test User", password: str = PASSWORD, **fields) -> User:
    user = User(email=email, name=name, **fields)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_member(tenant: Tenant, role: Role | str = Role.STAFF, email: str | None = None, **user_fields) -> User:
    role = Role(role)
    user = make_user(email or f"{role.value}@{tenant.slug}.example", name=f"{role.value.title()} of {tenant.slug}",
                     **user_fields)
    db.session.add(Membership(user=user, tenant=tenant, role=role))
    db.session.commit()
    return user


def login(client, email: str, password: str = PASSWORD):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, f"login failed for {email}: {response.status_code}"
    return response


def logout(client):
    return client.post("/logout")


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class StatementCounter:
    """Counts the SQL statements sent while the `with` block runs (query-budget tests)."""

    def __init__(self):
        self.count = 0

    def _count(self, *args) -> None:
        self.count += 1

    def __enter__(self) -> "StatementCounter":
        from sqlalchemy import event
        event.listen(db.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event
        event.remove(db.engine, "before_cursor_execute", self._count)


def statements_for(client, url: str) -> int:
    """How many SQL statements one GET of `url` costs (and it must succeed)."""
    with StatementCounter() as counter:
        response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return counter.count


def token_for(user: User, tenant: Tenant) -> dict:
    """Authorization headers with a fresh API token of `user` in `tenant`."""
    from sqlalchemy import select

    from core.auth.tokens import issue_token
    membership = db.session.execute(select(Membership).where(Membership.user_id == user.id,
                                                             Membership.tenant_id == tenant.id)).scalar_one()
    _token, secret = issue_token(membership, "test", 30)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}
