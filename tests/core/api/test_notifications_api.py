"""Notifications through the API: the token user's own, in their language, newest first; marking some or
all read; nobody else's are listed or marked."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.extensions import db
from core.models import Notification
from core.notifications import notify
from tests.helpers import token_for

MESSAGE = _l("%(tenant)s shared “%(title)s” with %(group)s.")


def api(tenant, rest=""):
    return f"/api/v1/t/{tenant.slug}/notifications/{rest}"


def tell(user, tenant, title):
    notify([user], tenant, MESSAGE, {"tenant": "Kampot", "title": title, "group": "A2IWG"}, url="/t/x/groups/a2iwg/")
    db.session.commit()


def test_lists_own_notifications_newest_first_and_marks_them_read(client, tenant, staff, viewer):
    tell(staff, tenant, "First")
    tell(staff, tenant, "Second")
    tell(viewer, tenant, "Someone else's")
    headers = token_for(staff, tenant)
    page = client.get(api(tenant), headers=headers).json
    assert [item["text"] for item in page["items"]] == ["Kampot shared “Second” with A2IWG.",
                                                        "Kampot shared “First” with A2IWG."]
    assert client.get(api(tenant, "unread"), headers=headers).json == {"unread": 2}

    first_id, viewers_id = page["items"][1]["id"], db.session.scalar(
        select(Notification.id).where(Notification.user_id == viewer.id))
    response = client.post(api(tenant, "read"), json={"ids": [first_id, viewers_id]}, headers=headers)
    assert response.status_code == 200 and response.json == {"marked": 1, "unread": 1}
    unread = client.get(api(tenant, "?unread=true"), headers=headers).json["items"]
    assert [item["text"] for item in unread] == ["Kampot shared “Second” with A2IWG."]
    db.session.rollback()
    assert db.session.get(Notification, viewers_id).read_at is None

    assert client.post(api(tenant, "read"), json={}, headers=headers).json == {"marked": 1, "unread": 0}
    assert client.get(api(tenant, "?unread=false"), headers=headers).json["total"] == 2


def test_notifications_are_in_the_users_language(client, tenant, staff):
    staff.locale = "km"
    db.session.add(Notification(tenant_id=tenant.id, user_id=staff.id, message=MESSAGE._args[0],
                                params={"tenant": "Kampot", "title": "First", "group": "A2IWG"}))
    db.session.commit()
    text = client.get(api(tenant), headers=token_for(staff, tenant)).json["items"][0]["text"]
    assert text == "Kampot បានចែករំលែក “First” ជាមួយ A2IWG។"


def test_notifications_of_another_organisation_are_not_listed(client, tenant, other_tenant, staff):
    tell(staff, other_tenant, "Elsewhere")
    assert client.get(api(tenant), headers=token_for(staff, tenant)).json["total"] == 0


def test_too_many_or_bad_ids_are_refused(client, tenant, staff):
    headers = token_for(staff, tenant)
    response = client.post(api(tenant, "read"), json={"ids": list(range(1, 102))}, headers=headers)
    assert response.status_code == 422 and "ids" in response.json["errors"]["json"]
    assert client.post(api(tenant, "read"), json={"ids": ["x"]}, headers=headers).status_code == 422
