"""The public bodies A2I requests are sent to, from the core institutions register: the seed, what
each tenant sees, and CSV import/export."""
from __future__ import annotations

from sqlalchemy import func, select

from core.extensions import db
from core.tenancy import tenant_scope
from core.registers.institutions import (CSV_FIELDS, export_csv, get_visible_institution, import_csv,
                                         seed_institutions, visible_institutions)
from core.registers.models import Institution, InstitutionKind

HEADER = ",".join(CSV_FIELDS)


def body_by_code(code: str, owner_tenant_id: int | None = None) -> Institution:
    return db.session.scalars(select(Institution).where(
        Institution.code == code, Institution.owner_tenant_id.is_(owner_tenant_id) if owner_tenant_id is None
        else Institution.owner_tenant_id == owner_tenant_id)).one()


def count_bodies(*criteria) -> int:
    return db.session.scalar(select(func.count(Institution.id)).where(*criteria))


def add_body(code: str, kind: InstitutionKind = InstitutionKind.OTHER, owner_tenant_id: int | None = None, **fields) -> Institution:
    body = Institution(code=code, kind=kind, name_en=fields.pop("name_en", code), owner_tenant_id=owner_tenant_id,
                      **fields)
    db.session.add(body)
    db.session.commit()
    return body


def test_seed_creates_the_capital_and_24_provinces(app):
    seed_institutions()
    db.session.commit()
    assert count_bodies(Institution.kind == InstitutionKind.PROVINCE) == 25
    assert body_by_code("KH-12").name_en == "Phnom Penh Capital"
    assert body_by_code("KH-7").name_en == "Kampot Province"


def test_seed_marks_exactly_20_ncdd_member_ministries(app):
    seed_institutions()
    members = db.session.scalars(select(Institution).where(Institution.ncdd_member.is_(True))).all()
    assert len(members) == 20
    assert {body.kind for body in members} == {InstitutionKind.MINISTRY}
    assert {"MOINT", "MEF", "MOI", "MOWA"} <= {body.code for body in members}


def test_seeding_twice_creates_nothing_new(app):
    first = seed_institutions()
    db.session.commit()
    second = seed_institutions()
    db.session.commit()
    assert first == count_bodies() > 70
    assert second == 0
    assert count_bodies() == first


def test_seeding_again_keeps_an_operators_edits(app):
    seed_institutions()
    body_by_code("MOI").phone = "023 000 000"
    db.session.commit()
    seed_institutions()
    db.session.commit()
    assert body_by_code("MOI").phone == "023 000 000"


def test_seeded_bodies_carry_khmer_names(app):
    seed_institutions()
    assert body_by_code("MOI").name_en == "Ministry of Information"
    assert body_by_code("MOI").name_km == "ក្រសួងព័ត៌មាន"
    assert body_by_code("KH-12").name_km == "រាជធានីភ្នំពេញ"
    assert count_bodies(Institution.name_km == "") == 0


def test_district_commune_and_office_point_to_their_province(app):
    seed_institutions()
    db.session.commit()
    kampot = body_by_code("KH-7")
    assert kampot.province_id is None
    assert body_by_code("KH-7-KAMPOT").province_id == kampot.id
    assert body_by_code("KH-7-KAMPOT-KAMPONG-BAY").province_id == kampot.id
    assert body_by_code("OWSO-KH-7-KAMPOT").province_id == kampot.id
    assert body_by_code("MOI").province_id is None


def test_seeded_rows_are_shared(app):
    seed_institutions()
    assert count_bodies(Institution.owner_tenant_id.is_not(None)) == 0


def test_tenant_sees_shared_and_own_private_bodies_but_not_another_tenants(tenant, other_tenant):
    add_body("MOI", InstitutionKind.MINISTRY, name_en="Ministry of Information")
    add_body("KAMPOT-CBO-DESK", owner_tenant_id=tenant.id)
    add_body("BTB-YOUTH-DESK", owner_tenant_id=other_tenant.id)
    with tenant_scope(tenant.id):
        codes = [body.code for body in db.session.scalars(visible_institutions())]
    assert codes == ["MOI", "KAMPOT-CBO-DESK"]


def test_outside_a_tenant_only_the_shared_register_is_visible(tenant):
    add_body("MOI", InstitutionKind.MINISTRY)
    add_body("KAMPOT-CBO-DESK", owner_tenant_id=tenant.id)
    assert [body.code for body in db.session.scalars(visible_institutions())] == ["MOI"]


def test_visible_bodies_are_ordered_by_kind_then_name(app):
    add_body("KH-7", InstitutionKind.PROVINCE, name_en="Kampot Province")
    add_body("MOI", InstitutionKind.MINISTRY, name_en="Ministry of Information")
    add_body("MEF", InstitutionKind.MINISTRY, name_en="Ministry of Economy and Finance")
    assert [body.code for body in db.session.scalars(visible_institutions())] == ["MEF", "MOI", "KH-7"]


def test_get_visible_body_hides_another_tenants_private_body(tenant, other_tenant):
    shared = add_body("MOI", InstitutionKind.MINISTRY)
    mine = add_body("KAMPOT-CBO-DESK", owner_tenant_id=tenant.id)
    theirs = add_body("BTB-YOUTH-DESK", owner_tenant_id=other_tenant.id)
    with tenant_scope(tenant.id):
        assert get_visible_institution(shared.id) is shared
        assert get_visible_institution(mine.id) is mine
        assert get_visible_institution(theirs.id) is None


def test_import_reports_a_bad_kind_with_its_line_number_and_writes_nothing(app):
    text = "\n".join([HEADER,
                      "MOI,ministry,,Ministry of Information,ក្រសួងព័ត៌មាន,true,,,",
                      "XYZ,agency,,Some Agency,,false,,,"])
    result = import_csv(text)
    assert result.created == 0
    assert len(result.errors) == 1
    assert result.errors[0].startswith("Line 3:")
    assert '"agency"' in result.errors[0]
    assert count_bodies() == 0


def test_import_rejects_an_unknown_parent_and_a_bad_ncdd_flag(app):
    text = "\n".join([HEADER,
                      "KH-7-KAMPOT,district,KH-7,Kampot Municipality,,false,,,",
                      "MOI,ministry,,Ministry of Information,,maybe,,,"])
    result = import_csv(text)
    assert [error[:7] for error in result.errors] == ["Line 2:", "Line 3:"]
    assert "KH-7" in result.errors[0]
    assert '"maybe"' in result.errors[1]
    assert count_bodies() == 0


def test_import_rejects_a_code_used_twice_in_the_file(app):
    text = "\n".join([HEADER, "MOI,ministry,,Ministry of Information,,,,,", "MOI,ministry,,Ministry again,,,,,"])
    result = import_csv(text)
    assert len(result.errors) == 1
    assert result.errors[0].startswith("Line 3:")
    assert "line 2" in result.errors[0]
    assert count_bodies() == 0


def test_import_rejects_a_parent_loop(app):
    text = "\n".join([HEADER, "A,district,B,District A,,,,,", "B,district,A,District B,,,,,"])
    result = import_csv(text)
    assert len(result.errors) == 2
    assert count_bodies() == 0


def test_import_creates_then_updates_by_code(app):
    created = import_csv(HEADER + "\nMOI,ministry,,Ministry of Information,,no,,,\n")
    updated = import_csv(HEADER + "\nMOI,ministry,,Ministry of Information,ក្រសួងព័ត៌មាន,yes,,,\n")
    db.session.commit()
    assert (created.created, created.updated, updated.created, updated.updated) == (1, 0, 0, 1)
    body = body_by_code("MOI")
    assert body.name_km == "ក្រសួងព័ត៌មាន"
    assert body.ncdd_member is True


def test_import_sets_province_through_parents_given_in_the_same_file(app):
    text = "\n".join([HEADER,
                      "KH-7-KAMPOT-KAMPONG-BAY,commune,KH-7-KAMPOT,Sangkat Kampong Bay,,,,,",
                      "KH-7-KAMPOT,district,KH-7,Kampot Municipality,,,,,",
                      "KH-7,province,,Kampot Province,,,,,"])
    result = import_csv(text)
    db.session.commit()
    assert result.created == 3
    province = body_by_code("KH-7")
    assert body_by_code("KH-7-KAMPOT-KAMPONG-BAY").province_id == province.id
    assert body_by_code("KH-7-KAMPOT-KAMPONG-BAY").parent_id == body_by_code("KH-7-KAMPOT").id


def test_export_then_import_recreates_the_same_register(app):
    seed_institutions()
    db.session.commit()
    exported = export_csv(db.session.scalars(visible_institutions()))
    db.session.execute(Institution.__table__.update().values(parent_id=None, province_id=None))
    db.session.execute(Institution.__table__.delete())
    db.session.commit()

    result = import_csv(exported)
    db.session.commit()
    assert result.errors == []
    assert result.created == 80
    assert export_csv(db.session.scalars(visible_institutions())) == exported
    assert body_by_code("KH-2-BATTAMBANG-SVAY-POR").province_id == body_by_code("KH-2").id


def test_reimporting_an_export_changes_nothing(app):
    seed_institutions()
    db.session.commit()
    exported = export_csv(db.session.scalars(visible_institutions()))
    result = import_csv(exported)
    assert (result.created, result.updated, result.errors) == (0, 0, [])


def test_tenant_cannot_overwrite_a_shared_body_through_import(tenant):
    add_body("MOI", InstitutionKind.MINISTRY, name_en="Ministry of Information")
    with tenant_scope(tenant.id):
        result = import_csv(HEADER + "\nMOI,ministry,,Ministry of Propaganda,,,,,\n")
    db.session.commit()
    assert len(result.errors) == 1
    assert result.errors[0].startswith("Line 2:")
    assert "shared register" in result.errors[0]
    assert body_by_code("MOI").name_en == "Ministry of Information"
    assert count_bodies() == 1


def test_tenant_import_adds_private_bodies_under_shared_ones(tenant, other_tenant):
    add_body("KH-7", InstitutionKind.PROVINCE, name_en="Kampot Province")
    with tenant_scope(tenant.id):
        result = import_csv(HEADER + "\nKAMPOT-CBO-DESK,one_window_office,KH-7,Kampot CBO desk,,,,,\n")
        db.session.commit()
    desk = body_by_code("KAMPOT-CBO-DESK", owner_tenant_id=tenant.id)
    assert result.created == 1
    assert desk.parent_id == desk.province_id == body_by_code("KH-7").id
    with tenant_scope(other_tenant.id):
        assert get_visible_institution(desk.id) is None


def test_a_tenant_import_cannot_use_another_tenants_private_body_as_parent(tenant, other_tenant):
    add_body("BTB-YOUTH-DESK", owner_tenant_id=other_tenant.id)
    with tenant_scope(tenant.id):
        result = import_csv(HEADER + "\nMY-DESK,other,BTB-YOUTH-DESK,My desk,,,,,\n")
    assert len(result.errors) == 1
    assert "BTB-YOUTH-DESK" in result.errors[0]
