"""The raw baseline: a minimal Flask app on the benchmark database that runs only the SQL each Samaki
endpoint needs (psycopg, one connection per worker, no ORM, no auth, no templates, no audit), so
`bench.run` can report Samaki's throughput as a share of what the database allows.

    BENCH_DATABASE_URL=postgresql://… gunicorn -w 2 -b 127.0.0.1:8001 'bench.baseline_app:app'

The queries mirror the app's: the same filters, sort orders, page sizes and counts."""
from __future__ import annotations

import html
import json
import os
from datetime import date

import psycopg
from flask import Flask, Response, abort, request

PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50
OPEN = ("submitted", "re_requested", "awaiting_clarification", "initial_reply", "fee_accepted", "extended",
        "complained")

app = Flask(__name__)
_connection: psycopg.Connection | None = None


def conn() -> psycopg.Connection:
    """One autocommit connection per worker process, opened on first use (after gunicorn forks)."""
    global _connection
    if _connection is None or _connection.closed:
        url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/samaki_bench")
        _connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    return _connection


def rows(sql: str, *params) -> list[tuple]:
    with conn().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def tenant_id(slug: str) -> int:
    found = rows("SELECT id FROM core_tenant WHERE slug = %s AND is_active", slug)
    if not found:
        abort(404)
    return found[0][0]


def table(headers: list[str], data: list[tuple]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in data)
    return f"<!doctype html><table><tr>{head}</tr>{body}</table>"


def as_json(data, status: int = 200) -> Response:
    return Response(json.dumps(data, default=str), status=status, mimetype="application/json")


LIST_SQL = """SELECT r.id, r.reference, r.subject, r.status, r.due_on, b.name_en, u.name
FROM a2i_request r JOIN core_institution b ON b.id = r.body_id LEFT JOIN core_user u ON u.id = r.assignee_id
WHERE r.tenant_id = %s {where} ORDER BY {order} LIMIT %s OFFSET %s"""
LIST_ORDER = {"due_on": "r.due_on ASC NULLS LAST, r.id DESC", "-reference": "r.reference DESC, r.id DESC"}


@app.get("/t/<slug>/")
def dashboard(slug: str) -> str:
    tid = tenant_id(slug)
    today = date.today()
    top = rows("""SELECT r.reference, r.subject, b.name_en, r.due_on FROM a2i_request r
                  JOIN core_institution b ON b.id = r.body_id
                  WHERE r.tenant_id = %s AND r.due_on IS NOT NULL AND r.due_on < %s AND r.status = ANY(%s)
                  ORDER BY r.due_on, r.id LIMIT 5""", tid, today, list(OPEN))
    total = rows("""SELECT count(*) FROM a2i_request r WHERE r.tenant_id = %s AND r.due_on IS NOT NULL
                    AND r.due_on < %s AND r.status = ANY(%s)""", tid, today, list(OPEN))[0][0]
    return table(["reference", "subject", "body", "due"], top) + f"<p>{total}</p>"


@app.get("/t/<slug>/a2i/requests/")
def request_list(slug: str) -> str:
    tid = tenant_id(slug)
    page = max(1, request.args.get("page", 1, type=int))
    status = request.args.get("status")
    where, params = ("AND r.status = %s", [status]) if status else ("", [])
    order = LIST_ORDER[request.args.get("sort", "-reference")]
    data = rows(LIST_SQL.format(where=where, order=order), tid, *params, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    total = rows(f"SELECT count(*) FROM a2i_request r WHERE r.tenant_id = %s {where}", tid, *params)[0][0]
    return table(["id", "reference", "subject", "status", "due", "body", "assignee"], data) + f"<p>{total}</p>"


@app.get("/t/<slug>/a2i/requests/<int:request_id>")
def detail(slug: str, request_id: int) -> str:
    tid = tenant_id(slug)
    found = rows("""SELECT r.*, b.name_en, u.name FROM a2i_request r JOIN core_institution b ON b.id = r.body_id
                    LEFT JOIN core_user u ON u.id = r.assignee_id WHERE r.tenant_id = %s AND r.id = %s""",
                 tid, request_id)
    if not found:
        abort(404)
    events = rows("""SELECT e.occurred_on, e.from_status, e.to_status, e.note, u.name FROM a2i_request_event e
                     LEFT JOIN core_user u ON u.id = e.actor_id WHERE e.tenant_id = %s AND e.request_id = %s
                     ORDER BY e.occurred_on, e.id""", tid, request_id)
    letters = rows("""SELECT occurred_on, kind, direction, summary FROM a2i_correspondence
                      WHERE tenant_id = %s AND request_id = %s ORDER BY occurred_on, id""", tid, request_id)
    files = rows("SELECT id, display_name FROM a2i_attachment WHERE tenant_id = %s AND request_id = %s ORDER BY id",
                 tid, request_id)
    return table(["request"], [found[0]]) + table(["on", "from", "to", "note", "by"], events) + \
        table(["on", "kind", "direction", "summary"], letters) + table(["id", "name"], files)


@app.get("/api/v1/t/<slug>/a2i/requests/")
def api_list(slug: str) -> Response:
    tid = tenant_id(slug)
    page = max(1, request.args.get("page", 1, type=int))
    data = rows("""SELECT id, reference, subject, status, body_id, submitted_on, due_on, answered_on, outcome
                   FROM a2i_request WHERE tenant_id = %s ORDER BY id DESC LIMIT %s OFFSET %s""",
                tid, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    total = rows("SELECT count(*) FROM a2i_request WHERE tenant_id = %s", tid)[0][0]
    keys = ["id", "reference", "subject", "status", "body_id", "submitted_on", "due_on", "answered_on", "outcome"]
    return as_json({"items": [dict(zip(keys, row)) for row in data], "total": total, "page": page,
                    "per_page": PAGE_SIZE})


@app.post("/api/v1/t/<slug>/a2i/requests/")
def api_create(slug: str) -> Response:
    tid = tenant_id(slug)
    payload = request.get_json(force=True)
    year = date.today().year
    with conn().transaction(), conn().cursor() as cursor:
        cursor.execute("""INSERT INTO a2i_request_counter (tenant_id, year, last_number) VALUES (%s, %s, 1)
                          ON CONFLICT (tenant_id, year) DO UPDATE SET last_number = a2i_request_counter.last_number + 1
                          RETURNING last_number""", (tid, year))
        reference = f"A2I-{year}-{cursor.fetchone()[0]:04d}"
        cursor.execute("""INSERT INTO a2i_request (tenant_id, reference, subject, question, body_id, channel, status,
                          tags, receipt_number, fee_amount, fee_waived,
                          extension_reason, was_extended, was_transferred, exemption_ground_code, complained,
                          disclosed_summary, created_at, updated_at)
                          VALUES (%s, %s, %s, %s, %s, 'letter', 'draft', '', '', '', false, '', false, false, '',
                          false, '', now(), now())
                          RETURNING id""",
                       (tid, reference, payload["subject"], payload["question"], payload["body_id"]))
        new_id = cursor.fetchone()[0]
    return as_json({"id": new_id, "reference": reference}, 201)


@app.get("/t/<slug>/a2i/statistics")
def statistics(slug: str) -> str:
    tid = tenant_id(slug)
    aggregates = """count(r.id), sum(CASE WHEN r.outcome = 'answered_full' THEN 1 ELSE 0 END),
        sum(CASE WHEN r.outcome = 'answered_part' THEN 1 ELSE 0 END), sum(CASE WHEN r.outcome = 'refused' THEN 1 ELSE 0 END),
        sum(CASE WHEN r.was_extended THEN 1 ELSE 0 END), sum(CASE WHEN r.was_transferred THEN 1 ELSE 0 END),
        sum(CASE WHEN r.on_time THEN 1 ELSE 0 END), sum(CASE WHEN r.complained THEN 1 ELSE 0 END),
        avg(r.working_days_to_answer)"""
    base = "FROM a2i_request r JOIN core_institution b ON b.id = r.body_id WHERE r.submitted_on IS NOT NULL AND r.tenant_id = %s"
    by_body = rows(f"SELECT b.id, b.name_en, b.name_km, {aggregates} {base} GROUP BY b.id, b.name_en, b.name_km", tid)
    # The same two "answer times" reads the app does for its medians (ordered rows into Python).
    days = rows(f"SELECT b.id, r.working_days_to_answer {base} AND r.working_days_to_answer IS NOT NULL "
                "ORDER BY r.working_days_to_answer", tid)
    total = rows(f"SELECT {aggregates} {base}", tid)
    all_days = rows(f"SELECT r.working_days_to_answer {base} AND r.working_days_to_answer IS NOT NULL "
                    "ORDER BY r.working_days_to_answer", tid)
    medians = {}
    for body_id, value in days:
        medians.setdefault(body_id, []).append(value)
    lines = [(*row[:12], medians.get(row[0], [None])[len(medians.get(row[0], [None])) // 2]) for row in by_body]
    return table(["id", "name", "km", "n", "full", "part", "refused", "ext", "trans", "on time", "compl", "mean",
                  "median"], lines) + table(["total"], total) + f"<p>{len(all_days)}</p>"


@app.get("/t/<slug>/search")
def search(slug: str) -> str:
    tid = tenant_id(slug)
    text = "%" + request.args.get("q", "").strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    data = rows("""SELECT id, reference, subject, status FROM a2i_request WHERE tenant_id = %s AND
                   (reference ILIKE %s OR subject ILIKE %s OR question ILIKE %s) ORDER BY id DESC LIMIT 20""",
                tid, text, text, text)
    return table(["id", "reference", "subject", "status"], data)


@app.get("/t/<slug>/admin/audit")
def audit(slug: str) -> str:
    tid = tenant_id(slug)
    page = max(1, request.args.get("page", 1, type=int))
    data = rows("""SELECT occurred_at, actor_label, action, model, record_id, changes FROM core_audit_event
                   WHERE tenant_id = %s ORDER BY occurred_at DESC, id DESC LIMIT %s OFFSET %s""",
                tid, AUDIT_PAGE_SIZE, (page - 1) * AUDIT_PAGE_SIZE)
    total = rows("SELECT count(*) FROM core_audit_event WHERE tenant_id = %s", tid)[0][0]
    models = rows("SELECT DISTINCT model FROM core_audit_event WHERE tenant_id = %s AND model != '' ORDER BY model", tid)
    return table(["at", "actor", "action", "model", "record", "changes"], data) + f"<p>{total} {len(models)}</p>"


# --- the core registers (issue #10) ---------------------------------------------------------------

CONTACTS_PAGE_SIZE = 25
PLACES_PAGE_SIZE = 50
INSTITUTIONS_PAGE_SIZE = 50
ZWSP = "\u200b"
# Protected people sort as if nameless (core.registers.contacts.LIST_ORDER).
CONTACT_ORDER = ("CASE WHEN c.protected IS true THEN '' ELSE c.name_latin END, "
                 "CASE WHEN c.protected IS true THEN '' ELSE c.name_km END, c.id")


def like(text: str) -> str:
    return "%" + text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def contact_filter(tid: int) -> tuple[str, list]:
    """WHERE of the contacts list: the tenant, and the text in a name or e-mail (the bench owner may
    see protected people, so they are matched too), as core.registers.contacts.contact_list_query."""
    q = request.args.get("q", "").strip()
    if not q:
        return "c.tenant_id = %s", [tid]
    text = like(q)
    columns = " OR ".join(f"lower(replace(c.{name}, '{ZWSP}', '')) LIKE %s" for name in ("name_km", "name_latin",
                                                                                         "email"))
    return f"c.tenant_id = %s AND ({columns}) AND c.erased_at IS NULL", [tid, text, text, text]


@app.get("/t/<slug>/contacts/")
def contact_list(slug: str) -> str:
    tid = tenant_id(slug)
    page = max(1, request.args.get("page", 1, type=int))
    where, params = contact_filter(tid)
    data = rows(f"""SELECT c.id, c.kind, CASE WHEN c.protected IS true THEN '' ELSE c.name_latin END, c.phone, c.tags,
                    p.name_en FROM core_contact c LEFT JOIN core_place p ON p.id = c.place_id
                    WHERE {where} ORDER BY {CONTACT_ORDER} LIMIT %s OFFSET %s""",
                *params, CONTACTS_PAGE_SIZE, (page - 1) * CONTACTS_PAGE_SIZE)
    total = rows(f"SELECT count(*) FROM core_contact c WHERE {where}", *params)[0][0]
    return table(["id", "kind", "name", "phone", "tags", "place"], data) + f"<p>{total}</p>"


@app.get("/t/<slug>/contacts/<int:contact_id>")
def contact_detail(slug: str, contact_id: int) -> str:
    """The contact with its place, affiliations and the records pointing at it (projects funded,
    affiliations both ways, A2I requests made), and the organisations offered for a new affiliation.
    The app also writes the identity-view audit event; the baseline does not."""
    tid = tenant_id(slug)
    found = rows("""SELECT c.*, p.name_en, p.name_km FROM core_contact c LEFT JOIN core_place p ON p.id = c.place_id
                    WHERE c.tenant_id = %s AND c.id = %s""", tid, contact_id)
    if not found:
        abort(404)
    affiliations = rows("""SELECT a.id, a.role, o.id, o.name_latin, o.name_km FROM core_contact_affiliation a
                           JOIN core_contact o ON o.id = a.organisation_id
                           WHERE a.tenant_id = %s AND (a.person_id = %s OR a.organisation_id = %s)""",
                        tid, contact_id, contact_id)
    funded = rows("SELECT id, code, title_en FROM core_project WHERE tenant_id = %s AND donor_id = %s ORDER BY code",
                  tid, contact_id)
    requested = rows("""SELECT id, reference, subject FROM a2i_request
                        WHERE tenant_id = %s AND requester_contact_id = %s ORDER BY id""", tid, contact_id)
    organisations = rows("""SELECT id, name_latin, name_km FROM core_contact WHERE tenant_id = %s
                            AND kind = 'organisation' ORDER BY name_latin, id""", tid)
    options = "".join(f"<option value={o[0]}>{html.escape(o[1] or o[2])}</option>" for o in organisations)
    return table(["contact"], [found[0]]) + table(["id", "role", "org", "latin", "km"], affiliations) + \
        table(["id", "code", "title"], funded) + table(["id", "reference", "subject"], requested) + \
        f"<select>{options}</select>"


def place_rows(where: str, params: list, order: str, limit: int, offset: int = 0) -> list[tuple]:
    return rows(f"""SELECT p.id, p.code, p.kind, p.name_en, p.name_km, d.name_en, d.name_km, v.name_en, v.name_km
                    FROM core_place p LEFT JOIN core_place d ON d.id = p.parent_id
                    LEFT JOIN core_place v ON v.id = p.province_id
                    WHERE (p.valid_to IS NULL OR p.valid_to >= current_date) {where}
                    ORDER BY {order} LIMIT %s OFFSET %s""", *params, limit, offset)


PLACE_KIND_ORDER = ("CASE p.kind WHEN 'province' THEN 0 WHEN 'district' THEN 1 WHEN 'commune' THEN 2 "
                    "WHEN 'village' THEN 3 ELSE 9 END")


@app.get("/t/<slug>/places/search")
def place_search(slug: str) -> Response:
    """The picker: current places whose code starts with the digits, or whose search text contains
    the words; exact, then prefix matches first; at most 10 (core.registers.places.search_places)."""
    tenant_id(slug)
    needle = request.args.get("q", "").strip().lower()
    if any("\u1780" <= ch <= "\u17ff" for ch in needle):
        needle = needle.replace(" ", "")
    if needle.isdigit():
        where, params = "AND p.code LIKE %s", [needle + "%"]
        order, order_params = "CASE WHEN p.code = %s THEN 0 ELSE 1 END", [needle]
    else:
        where, params = "AND p.search_text LIKE %s", [like(needle)]
        order = ("CASE WHEN lower(p.name_en) = %s OR p.name_km = %s THEN 0 WHEN lower(p.name_en) LIKE %s "
                 "OR p.name_km LIKE %s THEN 1 ELSE 2 END")
        order_params = [needle, needle, needle + "%", needle + "%"]
    data = place_rows(where, params + order_params, f"{order}, {PLACE_KIND_ORDER}, p.name_en, p.code", 10)
    return as_json([{"id": r[0], "code": r[1], "label": " — ".join(x for x in (r[3], r[5], r[7]) if x)} for r in data])


@app.get("/api/v1/t/<slug>/places/")
def api_places(slug: str) -> Response:
    tenant_id(slug)
    page = max(1, request.args.get("page", 1, type=int))
    data = place_rows("", [], f"{PLACE_KIND_ORDER}, p.name_en, p.code", PAGE_SIZE, (page - 1) * PAGE_SIZE)
    total = rows("SELECT count(*) FROM core_place p WHERE p.valid_to IS NULL OR p.valid_to >= current_date")[0][0]
    keys = ["id", "code", "kind", "name_en", "name_km", "parent_en", "parent_km", "province_en", "province_km"]
    return as_json({"items": [dict(zip(keys, row)) for row in data], "total": total, "page": page,
                    "per_page": PAGE_SIZE})


@app.get("/api/v1/t/<slug>/contacts/")
def api_contacts(slug: str) -> Response:
    tid = tenant_id(slug)
    page = max(1, request.args.get("page", 1, type=int))
    data = rows(f"""SELECT c.id, c.kind, c.protected, c.sex, c.birth_year, c.age_group, c.place_id,
                    c.organisation_type, CASE WHEN c.protected THEN NULL ELSE c.name_km END,
                    CASE WHEN c.protected THEN NULL ELSE c.name_latin END,
                    CASE WHEN c.protected THEN NULL ELSE c.phone END,
                    CASE WHEN c.protected THEN NULL ELSE c.email END,
                    c.tags FROM core_contact c WHERE c.tenant_id = %s ORDER BY {CONTACT_ORDER} LIMIT %s OFFSET %s""",
                tid, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    total = rows("SELECT count(*) FROM core_contact WHERE tenant_id = %s", tid)[0][0]
    keys = ["id", "kind", "protected", "sex", "birth_year", "age_group", "place_id", "organisation_type", "name_km",
            "name_latin", "phone", "email", "tags"]
    return as_json({"items": [dict(zip(keys, row)) for row in data], "total": total, "page": page,
                    "per_page": PAGE_SIZE})


@app.get("/t/<slug>/institutions/")
def institution_list(slug: str) -> str:
    """Shared and the tenant's own current institutions, by kind then name, with parent and successor;
    the province filter's choices (core.registers.institution_views.index)."""
    tid = tenant_id(slug)
    page = max(1, request.args.get("page", 1, type=int))
    kinds = ["ministry", "national_institution", "province", "district", "commune", "one_window_office", "other"]
    kind_order = "CASE " + " ".join(f"WHEN i.kind = '{k}' THEN {n}" for n, k in enumerate(kinds)) + " END"
    where = """(i.owner_tenant_id IS NULL OR i.owner_tenant_id = %s)
               AND (i.valid_to IS NULL OR i.valid_to >= current_date)"""
    data = rows(f"""SELECT i.id, i.code, i.kind, i.name_en, i.name_km, pa.name_en, s.name_en FROM core_institution i
                    LEFT JOIN core_institution pa ON pa.id = i.parent_id
                    LEFT JOIN core_institution s ON s.id = i.successor_id
                    WHERE {where} ORDER BY {kind_order}, i.name_en, i.id LIMIT %s OFFSET %s""",
                tid, INSTITUTIONS_PAGE_SIZE, (page - 1) * INSTITUTIONS_PAGE_SIZE)
    total = rows(f"SELECT count(*) FROM core_institution i WHERE {where}", tid)[0][0]
    provinces = rows("""SELECT id, name_en FROM core_institution WHERE kind = 'province'
                        AND (owner_tenant_id IS NULL OR owner_tenant_id = %s)
                        AND (valid_to IS NULL OR valid_to >= current_date) ORDER BY name_en""", tid)
    return table(["id", "code", "kind", "name", "km", "parent", "successor"], data) + f"<p>{total}</p>" + \
        table(["id", "province"], provinces)


@app.get("/t/<slug>/projects/")
def project_list(slug: str) -> str:
    tid = tenant_id(slug)
    page = max(1, request.args.get("page", 1, type=int))
    data = rows("""SELECT p.id, p.code, p.title_en, p.status, p.starts_on, p.ends_on, p.budget, p.currency, d.name_latin
                   FROM core_project p LEFT JOIN core_contact d ON d.id = p.donor_id WHERE p.tenant_id = %s
                   ORDER BY p.starts_on DESC NULLS LAST, p.code, p.id LIMIT %s OFFSET %s""",
                tid, CONTACTS_PAGE_SIZE, (page - 1) * CONTACTS_PAGE_SIZE)
    total = rows("SELECT count(*) FROM core_project WHERE tenant_id = %s", tid)[0][0]
    return table(["id", "code", "title", "status", "starts", "ends", "budget", "currency", "donor"], data) + \
        f"<p>{total}</p>"
