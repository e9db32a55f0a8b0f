"""Drive Samaki and the raw baseline with wrk and write bench/RESULTS.md.

    python -m bench.run [--database-url URL] [--duration 20] [--concurrency 8] [--repeat 3] [--only TEXT]
                        [--results FILE]

Both apps run under gunicorn with 2 sync workers on the seeded database; each endpoint is driven by wrk
(a separate process) at fixed concurrency for --duration seconds, --repeat times; medians are reported,
throughput as a ratio to the baseline's, and each worker's peak memory (VmHWM) after the run."""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/samaki_bench"
SLUG = "bench-large"
# Flask-Login's "strong" session protection ties the session to the User-Agent: wrk and the login
# must send the same one, or every benchmarked page would be a cheap redirect to the login form.
USER_AGENT = "samaki-bench/1"


@dataclass
class Endpoint:
    name: str
    path: str                      # on Samaki
    baseline_path: str | None      # on the baseline app (None: no baseline)
    auth: str = "cookie"           # cookie | token
    post: bool = False
    note: str = ""
    group: str = "a2i"             # --only matches the name or the group ("a2i", "registers")


@dataclass
class Result:
    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p95: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)

    def add(self, data: dict) -> None:
        for key in ("rps", "p50", "p95", "p99", "errors", "requests"):
            getattr(self, key).append(data[key])

    def median(self, key: str) -> float | None:
        values = getattr(self, key)
        return statistics.median(values) if values else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn with 2 workers, started and stopped by us (by its own pid only)."""

    def __init__(self, target: str, env: dict, workers: int = 2):
        self.port = free_port()
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.log = open(BENCH / f".{target.split(':')[0].replace('.', '_')}.log", "w")
        self.process = subprocess.Popen(
            [gunicorn, "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--access-logfile", "-",
             "--access-logformat", "%(s)s %(r)s", "--timeout", "120", target],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            if self.process.poll() is not None:
                self.log.close()
                raise SystemExit(f"gunicorn {target} exited; see {self.log.name}")
            try:
                requests.get(self.base + "/__ping__", timeout=2)
                if len(self.workers()) >= workers:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn {target} did not start")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def peak_memory_mb(self) -> list[float]:
        peaks = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            match = re.search(r"VmHWM:\s+(\d+) kB", status)
            if match:
                peaks.append(int(match.group(1)) / 1024)
        return peaks

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def app_env(database_url: str) -> dict:
    env = dict(os.environ)
    env.update(SAMAKI_DATABASE_URL=database_url, SAMAKI_SECRET_KEY=secrets.token_urlsafe(48),
               SAMAKI_ENV="production", SAMAKI_SECURE_COOKIES="1", BENCH_DATABASE_URL=database_url,
               SAMAKI_INSTANCE_PATH=str(BENCH / ".instance"),
               SAMAKI_API_RATE_LIMITS_ENABLED="0")   # measure the app, not the limiter
    return env


def create_token(env: dict) -> str:
    flask = str(Path(sys.executable).with_name("flask"))
    out = subprocess.run([flask, "--app", "wsgi", "tokens", "create", "bench@samaki.test", SLUG, "--name", "bench"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()[-1].strip()


def login(base: str) -> str:
    """Log in as the bench owner; returns the Cookie header value. The cookies are Secure (production
    mode), so they are carried by hand: over plain http a browser would not send them back."""
    from bench.seed import BENCH_EMAIL, BENCH_PASSWORD
    first = requests.get(base + "/login", headers={"User-Agent": USER_AGENT}, allow_redirects=False, timeout=30)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', first.text)
    cookies = "; ".join(f"{c.name}={c.value}" for c in first.cookies)
    data = {"email": BENCH_EMAIL, "password": BENCH_PASSWORD, "csrf_token": token.group(1) if token else ""}
    response = requests.post(base + "/login", data=data, headers={"Cookie": cookies, "User-Agent": USER_AGENT}, allow_redirects=False,
                             timeout=30)
    session = response.cookies.get("session")
    if response.status_code != 302 or not session:
        raise SystemExit(f"login failed: {response.status_code}")
    return f"session={session}"


def facts(database_url: str) -> dict:
    """Ids to request and row counts, read straight from the database."""
    import psycopg
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        def one(sql: str, *params):
            return connection.execute(sql, params).fetchone()[0]
        tenant = one("SELECT id FROM core_tenant WHERE slug = %s", SLUG)
        counts = {table: one(f"SELECT count(*) FROM {table}") for table in (
            "core_tenant", "core_user", "core_membership", "core_institution", "core_contact", "a2i_request", "a2i_request_event",
            "a2i_correspondence", "core_audit_event")}
        counts["a2i_request (bench-large)"] = one("SELECT count(*) FROM a2i_request WHERE tenant_id = %s", tenant)
        detail = one("""SELECT r.id FROM a2i_request r WHERE r.tenant_id = %s AND r.status = 'closed'
                        AND (SELECT count(*) FROM a2i_request_event e WHERE e.request_id = r.id) >= 4
                        ORDER BY r.id LIMIT 1 OFFSET 1000""", tenant)
        body = one("SELECT min(id) FROM core_institution WHERE owner_tenant_id IS NULL")
        closed = one("SELECT count(*) FROM a2i_request WHERE tenant_id = %s AND status = 'closed'", tenant)
        last_request = one("SELECT coalesce(max(id), 0) FROM a2i_request")
        # The registers (issue #10): a protected person who belongs to an organisation (its page logs
        # the owner's view of the identity), the large tenant's contacts, a district's Khmer name.
        for table in ("core_place", "core_contact_affiliation", "core_project"):
            counts[table] = one(f"SELECT count(*) FROM {table}")
        counts["core_contact (bench-large)"] = contacts = one(
            "SELECT count(*) FROM core_contact WHERE tenant_id = %s", tenant)
        protected = connection.execute(
            """SELECT c.id FROM core_contact c WHERE c.tenant_id = %s AND c.protected AND c.kind = 'person'
               AND c.place_id IS NOT NULL
               ORDER BY EXISTS (SELECT 1 FROM core_contact_affiliation a WHERE a.person_id = c.id) DESC, c.id
               LIMIT 1""", (tenant,)).fetchone()
        plain = connection.execute(
            """SELECT c.id FROM core_contact c WHERE c.tenant_id = %s AND NOT c.protected AND c.kind = 'person'
               AND c.place_id IS NOT NULL ORDER BY c.id LIMIT 1""", (tenant,)).fetchone()
        district = connection.execute("SELECT name_km FROM core_place WHERE code = '0707'").fetchone()
    return {"tenant_id": tenant, "counts": counts, "detail_id": detail, "body_id": body, "closed": closed,
            "last_request_id": last_request, "contacts": contacts,
            "protected_contact_id": protected[0] if protected else None,
            "plain_contact_id": plain[0] if plain else None,
            "district_km": district[0] if district else "ទឹកឈូ"}


def remove_created_requests(database_url: str, info: dict) -> None:
    """Delete what API create added, so that every run reads the same data: new requests pile up on
    top of the newest-first lists and searches, and would slow each rerun a little more. (Their audit
    events stay: the hash chain is never cut.)"""
    import psycopg
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as connection:
        connection.execute("DELETE FROM a2i_request WHERE tenant_id = %s AND id > %s",
                           (info["tenant_id"], info["last_request_id"]))
        connection.execute("VACUUM ANALYZE a2i_request")


def endpoints(detail_id: int, deep_page: int, api_path: str, api_note: str, create: bool) -> list[Endpoint]:
    t = f"/t/{SLUG}"
    api_baseline = f"/api/v1/t/{SLUG}/a2i/requests/"
    found = [
        Endpoint("dashboard", f"{t}/", f"{t}/"),
        Endpoint("list, as first opened (newest reference first)", f"{t}/a2i/requests/", f"{t}/a2i/requests/"),
        Endpoint("list, status=closed, by due date, page 1", f"{t}/a2i/requests/?status=closed&sort=due_on&page=1",
                 f"{t}/a2i/requests/?status=closed&sort=due_on&page=1"),
        Endpoint(f"list, status=closed, by due date, page {deep_page}",
                 f"{t}/a2i/requests/?status=closed&sort=due_on&page={deep_page}",
                 f"{t}/a2i/requests/?status=closed&sort=due_on&page={deep_page}"),
        Endpoint("request detail", f"{t}/a2i/requests/{detail_id}", f"{t}/a2i/requests/{detail_id}"),
        Endpoint("API list", api_path, api_baseline + "?page=1", auth="token", note=api_note),
    ]
    if create:
        found.append(Endpoint("API create", f"/api/v1/t/{SLUG}/a2i/requests/", api_baseline, auth="token",
                              post=True))
    found += [
        Endpoint("statistics (by body, all time)", f"{t}/a2i/statistics", f"{t}/a2i/statistics"),
        Endpoint("search q=Kampot", f"{t}/search?q=Kampot", f"{t}/search?q=Kampot"),
        Endpoint("audit browser page 1", f"{t}/admin/audit", f"{t}/admin/audit"),
    ]
    return found


def register_endpoints(info: dict) -> list[Endpoint]:
    """The core registers' pages and API (issue #10), with their baseline equivalents."""
    t, api = f"/t/{SLUG}", f"/api/v1/t/{SLUG}"
    deep = min(2000, max(1, info["contacts"] // 25))
    district = quote(info["district_km"])
    found = [
        Endpoint("contacts list, page 1", f"{t}/contacts/", f"{t}/contacts/"),
        Endpoint(f"contacts list, page {deep}", f"{t}/contacts/?page={deep}", f"{t}/contacts/?page={deep}"),
        Endpoint("contacts list, q=Meas", f"{t}/contacts/?q=Meas", f"{t}/contacts/?q=Meas"),
    ]
    if info.get("protected_contact_id"):
        contact = info["protected_contact_id"]
        found.append(Endpoint("contact detail (protected, seen by an owner)", f"{t}/contacts/{contact}",
                              f"{t}/contacts/{contact}",
                              note="each view writes a hash-chained audit event (identity viewed)"))
    if info.get("plain_contact_id"):   # the same page without the audit event: what the event costs
        contact = info["plain_contact_id"]
        found.append(Endpoint("contact detail (not protected)", f"{t}/contacts/{contact}", f"{t}/contacts/{contact}"))
    found += [
        Endpoint("places picker q=<Khmer district>", f"{t}/places/search?q={district}",
                 f"{t}/places/search?q={district}"),
        Endpoint("places picker q=07", f"{t}/places/search?q=07", f"{t}/places/search?q=07"),
        Endpoint("institutions list", f"{t}/institutions/", f"{t}/institutions/"),
        Endpoint("projects list", f"{t}/projects/", f"{t}/projects/"),
        Endpoint("API contacts list", f"{api}/contacts/", f"{api}/contacts/", auth="token"),
        Endpoint("API places list", f"{api}/places/", f"{api}/places/", auth="token"),
    ]
    for endpoint in found:
        endpoint.group = "registers"
    return found


def wrk(url: str, *, duration: int, concurrency: int, headers: list[str], post: bool, env: dict) -> dict:
    script = BENCH / ("post.lua" if post else "report.lua")
    command = ["wrk", "-t", "2", "-c", str(concurrency), "-d", f"{duration}s", "--timeout", "30s", "-s", str(script),
               "-H", f"User-Agent: {USER_AGENT}"]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run(command + [url], capture_output=True, text=True, env=env, cwd=ROOT).stdout
    line = [ln for ln in out.splitlines() if ln.startswith("{")]
    if not line:
        raise RuntimeError(f"wrk gave no result for {url}:\n{out}")
    return json.loads(line[-1])


def check(url: str, headers: dict, post: bool, body_id: int) -> int:
    """The status the first request gets, sent with the very headers wrk will send."""
    headers = {"User-Agent": USER_AGENT, **headers}
    if post:
        return requests.post(url, headers=headers, timeout=60, allow_redirects=False,
                             json={"subject": "Benchmark request", "question": "Budget?", "body_id": body_id}).status_code
    return requests.get(url, headers=headers, timeout=60, allow_redirects=False).status_code


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("SAMAKI_DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed-seconds", type=float, default=None, help="seeding time to report")
    parser.add_argument("--only", default="",
                        help="run only endpoints whose name contains this, or of this group (a2i, registers)")
    parser.add_argument("--results", default=str(BENCH / "results.json"),
                        help="where to write the raw results; RESULTS.md is rewritten only for the default")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    if not args.database_url.startswith("postgresql"):
        raise SystemExit("the benchmark runs on PostgreSQL")

    info = facts(args.database_url)
    env = app_env(args.database_url)
    token = create_token(env)
    env.update(BENCH_TOKEN=token, BENCH_BODY_ID=str(info["body_id"]), BENCH_DIR=str(BENCH))
    samaki = Server("wsgi:app", env)
    try:
        baseline = Server("bench.baseline_app:app", env)
    except BaseException:
        samaki.stop()
        raise
    results: dict[str, dict[str, Result]] = {}
    statuses: dict[str, tuple[int, int | None]] = {}
    try:
        cookie = login(samaki.base)
        api_path = f"/api/v1/t/{SLUG}/a2i/requests/"
        api_note = ""
        if check(samaki.base + api_path, {"Authorization": f"Bearer {token}"}, False, 0) != 200:
            api_path, api_note = "/api/v1/me", ("no A2I API yet: /api/v1/me (the only API endpoint) is measured; "
                                                "the baseline is the equivalent A2I list query")
        create = check(samaki.base + f"/api/v1/t/{SLUG}/a2i/requests/", {"Authorization": f"Bearer {token}"},
                       True, info["body_id"]) in (200, 201)
        deep_page = min(2000, max(1, info["closed"] // 25))
        chosen = [e for e in endpoints(info["detail_id"], deep_page, api_path, api_note, create)
                  + register_endpoints(info) if args.only in e.name or args.only == e.group]
        for endpoint in chosen:
            headers = {"Cookie": cookie} if endpoint.auth == "cookie" else {"Authorization": f"Bearer {token}"}
            statuses[endpoint.name] = (
                check(samaki.base + endpoint.path, headers, endpoint.post, info["body_id"]),
                check(baseline.base + endpoint.baseline_path, {}, endpoint.post, info["body_id"])
                if endpoint.baseline_path else None)
            results[endpoint.name] = {"samaki": Result(), "baseline": Result()}
        # Reads first, API create last: every read round sees the same rows.
        rounds = [(round_number, endpoint) for writes in (False, True) for round_number in range(args.repeat)
                  for endpoint in chosen if endpoint.post == writes]
        for round_number, endpoint in rounds:
            headers = [f"Cookie: {cookie}"] if endpoint.auth == "cookie" else [f"Authorization: Bearer {token}"]
            for which, server, path in (("samaki", samaki, endpoint.path),
                                        ("baseline", baseline, endpoint.baseline_path)):
                if path is None:
                    continue
                data = wrk(server.base + path, duration=args.duration, concurrency=args.concurrency,
                           headers=headers if which == "samaki" else [], post=endpoint.post, env=env)
                results[endpoint.name][which].add(data)
                print(f"round {round_number + 1} {which:8} {endpoint.name:45} {json.dumps(data)}", flush=True)
        memory = {"samaki": samaki.peak_memory_mb(), "baseline": baseline.peak_memory_mb()}
    finally:
        samaki.stop()
        baseline.stop()
    raw = {"args": vars(args), "facts": info, "statuses": statuses, "memory": memory, "api_note": api_note,
           "endpoints": {name: {which: vars(result) for which, result in by.items()} for name, by in results.items()}}
    results_file = Path(args.results)
    results_file.write_text(json.dumps(raw, indent=2, default=str))
    print(f"Wrote {results_file}")
    if results_file.resolve() == (BENCH / "results.json").resolve():
        from bench.report import write_results
        write_results(raw)
        print(f"Wrote {BENCH / 'RESULTS.md'}")
    remove_created_requests(args.database_url, info)


if __name__ == "__main__":
    main()
