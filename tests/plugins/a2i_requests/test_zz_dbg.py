from tests.plugins.a2i_requests.test_requesters import *
def test_dbg(app, tenant, staff, ministry):
    dara = person(tenant, "Sok Dara")
    with tenant_scope(tenant.id), app.test_request_context(f"/t/{tenant.slug}/a2i/requests/"):
        req = services.create_request(tenant.id, subject="x", question="q", body_id=ministry.id, actor=staff, requester_contact_id=dara.id)
        db.session.commit(); db.session.expire_all()
        contact = db.session.get(Contact, dara.id)
        from sqlalchemy import event
        seen=[]
        fn=lambda conn, cur, stmt, *a: seen.append(stmt[:150])
        event.listen(db.engine, "before_cursor_execute", fn)
        contact_links(contact)
        event.remove(db.engine, "before_cursor_execute", fn)
        print(seen); assert 0
