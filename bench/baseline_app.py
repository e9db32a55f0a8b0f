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
