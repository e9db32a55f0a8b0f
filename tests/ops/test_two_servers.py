"""Two app hosts, one PostgreSQL, one bucket: two real gunicorn processes (each with its own instance
folder, the same SAMAKI_SECRET_KEY, SAMAKI_STORAGE=s3 against one moto S3 server) serve the test's
database. A file uploaded through one is downloaded through the other, a session ended on one is
refused by the other, and a job due now is claimed and run by exactly one of the two hosts' cron runs.

The servers run the production configuration (SAMAKI_ENV=production), so the test fetches forms and
sends their CSRF tokens, and keeps cookies itself (they are `Secure`, and the test speaks plain HTTP)."""
from __future__ import annotations

import base64
import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import select, text

from core.columns import utcnow
from core.data_key import keyring
from core.extensions import db
from core.jobs import registered_jobs
from core.migrations import script_directory
from core.models import JobRun, Role
from core.models.notification import OutboxMail
from core.outbox import send_mail
from tests.conftest import _written_tables
from tests.core.registers.contact_factories import add_contact
from tests.helpers import PASSWORD, csrf_token_from, make_member, make_tenant

pytestmark = pytest.mark.postgresql

REPO = Path(__file__).resolve().parents[2]
SECRET_KEY = secrets.token_urlsafe(48)          # the same on both hosts: a cookie from one is good on the other
AWS = {"AWS_ACCESS_KEY_ID": "samaki-test", "AWS_SECRET_ACCESS_KEY": "samaki-test-secret"}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"
NEW_PASSWORD = "a-much-longer-Tonle-Sap-password-58"
START_TIMEOUT = 25      # seconds for a gunicorn host to answer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- a minimal browser over http.client -----------------------------------------------------------

@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return urlsplit(self.headers.get("location", "")).path


@dataclass
class Browser:
    """One browser talking to one host: keeps its own cookies (also the `Secure` ones)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
            for line in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(line).items():
                    if morsel.value and morsel["max-age"] != "0" and "1970" not in morsel["expires"]:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return answer
        finally:
            connection.close()

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict) -> Answer:
        return self.request("POST", path, urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def post_multipart(self, path: str, fields: dict, files: dict[str, tuple[str, bytes, str]]) -> Answer:
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (filename, content, mimetype) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                         f"Content-Type: {mimetype}\r\n\r\n".encode() + content + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, b"".join(parts), f"multipart/form-data; boundary={boundary}")

    def csrf_token(self, path: str) -> str:
        page = self.get(path)
        assert page.status == 200, f"GET {path}: {page.status}"
        return csrf_token_from(page.text)

    def log_in(self, email: str, password: str = PASSWORD) -> None:
        answer = self.post_form("/login", {"csrf_token": self.csrf_token("/login"), "email": email,
                                           "password": password})
        assert answer.status == 302 and answer.location != "/login", f"login on :{self.port} failed: {answer.status}"

    def is_signed_in(self) -> bool:
        answer = self.get("/account")
        if answer.status == 200:
            return True
        assert answer.status == 302 and answer.location == "/login", f"/account: {answer.status} {answer.location}"
        return False


# --- the two hosts --------------------------------------------------------------------------------

@dataclass
class Host:
    name: str
    port: int
    env: dict[str, str]
    instance: Path
    process: subprocess.Popen | None = None
    log: Path | None = None

    def browser(self) -> Browser:
        return Browser(self.port)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log and self.log.exists() else ""


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server, standing in for the bucket every host shares (real HTTP)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def bucket(s3_endpoint) -> str:
    name = f"samaki-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id=AWS["AWS_ACCESS_KEY_ID"],
                 aws_secret_access_key=AWS["AWS_SECRET_ACCESS_KEY"]).create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def schema_at_heads(app):
    """The test database is made by create_all: record the migration heads of the installed plugins
    as applied (what `flask init` leaves behind), so the hosts do not refuse to serve; removed again
    afterwards. The test-only plugin's branch is not the hosts' business."""
    with app.app_context():
        script = script_directory()
        tests_folder = REPO / "tests"
        heads = sorted(head for head in script.get_heads()
                       if not Path(script.get_revision(head).path).resolve().is_relative_to(tests_folder))
        db.session.execute(text("CREATE TABLE IF NOT EXISTS alembic_version "
                                "(version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        db.session.execute(text("DELETE FROM alembic_version"))
        for head in heads:
            db.session.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": head})
        db.session.commit()
    yield
    with app.app_context():
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()


def data_key_of(app) -> str:
    """The test app's data key (derived from its secret key), given to the hosts as SAMAKI_DATA_KEY
    (required in production): what either side seals, the other opens."""
    with app.app_context():
        return base64.b64encode(keyring().current.secret).decode()


def host_environment(app, instance: Path, s3_endpoint: str, bucket: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SAMAKI_", "AWS_"))}
    env.update(AWS)
    env.update({
        "SAMAKI_ENV": "production",
        "SAMAKI_SECRET_KEY": SECRET_KEY,
        "SAMAKI_DATA_KEY": data_key_of(app),
        "SAMAKI_SECURE_COOKIES": "1",
        "SAMAKI_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SAMAKI_INSTANCE_PATH": str(instance),
        "SAMAKI_STORAGE": "s3",
        "SAMAKI_S3_BUCKET": bucket,
        "SAMAKI_S3_ENDPOINT_URL": s3_endpoint,
        "SAMAKI_S3_REGION": "us-east-1",
        # No API calls here, and no Redis to count them in: keep the limiter's warning out of the logs.
        "SAMAKI_API_RATE_LIMITS_ENABLED": "0",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def wait_until_answering(host: Host, deadline: float) -> None:
    while time.monotonic() < deadline:
        if host.process.poll() is not None:
            pytest.fail(f"host {host.name} stopped (exit {host.process.returncode}):\n{host.log_text()}")
        try:
            answer = host.browser().get("/login")
        except OSError:         # not listening yet
            time.sleep(0.2)
            continue
        if answer.status != 200:
            pytest.fail(f"host {host.name} answered {answer.status}:\n{answer.text[:2000]}\n{host.log_text()}")
        return
    pytest.fail(f"host {host.name} did not answer within {START_TIMEOUT} s:\n{host.log_text()}")


@pytest.fixture(scope="module")
def hosts(app, tmp_path_factory, s3_endpoint, bucket, schema_at_heads):
    """Hosts A and B: `gunicorn wsgi:app`, each with its own instance folder, on its own port."""
    started = []
    try:
        for name in ("a", "b"):
            instance = tmp_path_factory.mktemp(f"host-{name}")
            host = Host(name, free_port(), host_environment(app, instance, s3_endpoint, bucket), instance)
            host.log = instance.parent / f"gunicorn-{name}.log"
            with host.log.open("wb") as log:
                host.process = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{host.port}",
                     "--graceful-timeout", "2", "wsgi:app"],
                    cwd=REPO, env=host.env, stdout=log, stderr=subprocess.STDOUT)
            started.append(host)
        deadline = time.monotonic() + START_TIMEOUT
        for host in started:
            wait_until_answering(host, deadline)
        yield started
    finally:
        for host in started:
            host.process.terminate()
        for host in started:
            try:
                host.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                host.process.kill()
                host.process.wait()


@pytest.fixture(autouse=True)
def empty_every_table_afterwards(app):
    """The hosts write rows the test process never inserted into (audit events, sign-in records,
    outbox…), which the conftest's clean-up would not see: have it empty every table."""
    _written_tables.update(table.name for table in db.metadata.sorted_tables)
    yield


@pytest.fixture
def member(app):
    tenant = make_tenant("kampot-network", "Kampot CSO Network")
    user = make_member(tenant, Role.STAFF)
    return tenant, user


def stored_files(instance: Path) -> list[Path]:
    return [path for path in instance.rglob("*") if path.is_file()]


# --- the tests ------------------------------------------------------------------------------------

def test_a_file_uploaded_through_one_host_is_downloaded_through_the_other(hosts, member, s3_endpoint, bucket):
    host_a, host_b = hosts
    tenant, user = member
    person = add_contact(tenant, name_latin="Chan Dara", sex="male", birth_year=1990)
    detail = f"/t/{tenant.slug}/contacts/{person.id}"

    on_a = host_a.browser()
    on_a.log_in(user.email)
    uploaded = on_a.post_multipart(f"{detail}/photo", {"csrf_token": on_a.csrf_token(detail)},
                                   {"photo": ("face.jpg", JPEG, "image/jpeg")})
    assert uploaded.status == 302, uploaded.text[:2000]
    assert "Photo saved." in on_a.get(detail).text

    on_b = host_b.browser()
    on_b.log_in(user.email)
    downloaded = on_b.get(f"{detail}/photo")
    assert downloaded.status == 200
    assert downloaded.body == JPEG
    assert downloaded.headers["content-type"].startswith("image/jpeg")

    # The file is in the shared bucket, and on neither host's disk.
    bucket_client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                                 aws_access_key_id=AWS["AWS_ACCESS_KEY_ID"],
                                 aws_secret_access_key=AWS["AWS_SECRET_ACCESS_KEY"])
    keys = [item["Key"] for item in bucket_client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert len(keys) == 1 and keys[0].startswith(f"{tenant.id}/")
    assert bucket_client.get_object(Bucket=bucket, Key=keys[0])["Body"].read() == JPEG
    assert stored_files(host_a.instance) == [] and stored_files(host_b.instance) == []


def test_a_session_ended_on_one_host_is_refused_by_the_other(hosts, member):
    host_a, host_b = hosts
    _, user = member

    # "Sign out everywhere" on A ends the session on B.
    on_a, on_b = host_a.browser(), host_b.browser()
    on_a.log_in(user.email)
    on_b.log_in(user.email)
    assert on_a.is_signed_in() and on_b.is_signed_in()
    answer = on_a.post_form("/account/sign-out-everywhere", {"csrf_token": on_a.csrf_token("/account")})
    assert answer.status == 302 and answer.location == "/login"
    assert not on_b.is_signed_in()
    assert not on_a.is_signed_in()

    # A password change on A ends the session on B; the session that changed it goes on, on both hosts.
    on_a, on_b = host_a.browser(), host_b.browser()
    on_a.log_in(user.email)
    on_b.log_in(user.email)
    answer = on_a.post_form("/account", {"csrf_token": on_a.csrf_token("/account"), "password-current": PASSWORD,
                                         "password-password": NEW_PASSWORD, "password-confirm": NEW_PASSWORD})
    assert answer.status == 302, answer.text[:2000]
    assert not on_b.is_signed_in()
    assert on_a.is_signed_in()
    same_cookie_on_b = Browser(host_b.port, dict(on_a.cookies))
    assert same_cookie_on_b.is_signed_in()
    on_b.log_in(user.email, NEW_PASSWORD)
    assert on_b.is_signed_in()


def _waiting_for(table: str) -> int:
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM pg_locks WHERE relation = CAST(:table AS regclass) "
                                       "AND NOT granted"), {"table": table}).scalar_one()


def test_a_job_due_now_is_run_by_exactly_one_host(app, hosts, member):
    _, user = member
    now = utcnow()
    jobs = sorted(registered_jobs())      # the same plugins as the hosts: the built-in ones
    assert "core.outbox" in jobs
    for name in jobs:
        db.session.add(JobRun(name=name, next_run_at=now - timedelta(minutes=1)))
    subject = f"Outbox check {uuid.uuid4().hex[:8]}"
    send_mail(user.email, subject, "Sent by whichever host takes the core.outbox job.")
    db.session.commit()
    mail_id = db.session.execute(select(OutboxMail.id).where(OutboxMail.subject == subject)).scalar_one()
    db.session.commit()     # hold no transaction while the hosts work

    # Both hosts' cron start `jobs run-due` while the job table is write-locked, so that both reach
    # their first claim before either may write: then the lock goes and they race for real.
    runners = []
    with db.engine.connect() as locker:
        lock = locker.begin()
        locker.execute(text(f"LOCK TABLE {JobRun.__tablename__} IN EXCLUSIVE MODE"))
        try:
            for host in hosts:
                runners.append(subprocess.Popen(
                    [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run-due"], cwd=REPO, env=host.env,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
            deadline = time.monotonic() + 25
            while _waiting_for(JobRun.__tablename__) < 2:
                finished = [runner for runner in runners if runner.poll() is not None]
                assert not finished, "a runner ended before its first claim:\n" + finished[0].communicate()[1][-3000:]
                assert time.monotonic() < deadline, "the runners did not both reach their first claim"
                time.sleep(0.1)
        except BaseException:
            for runner in runners:      # leave nothing behind
                runner.kill()
                runner.wait()
            raise
        finally:
            lock.commit()
    outputs = [runner.communicate(timeout=60) for runner in runners]
    for runner, (out, err) in zip(runners, outputs):
        assert runner.returncode == 0, err[-3000:]

    def taken(out: str) -> set[str]:
        last = out.strip().splitlines()[-1]
        return set() if last == "Nothing due." else set(last.split(", "))

    taken_a, taken_b = (taken(out) for out, _ in outputs)
    assert taken_a.isdisjoint(taken_b), f"run by both hosts: {taken_a & taken_b}"
    assert taken_a | taken_b == set(jobs)

    # Every job ran once, and its effect happened once: the queued e-mail went out by one host only.
    db.session.expire_all()
    rows = db.session.execute(select(JobRun).where(JobRun.name.in_(jobs))).scalars().all()
    assert {row.name for row in rows} == set(jobs)
    for row in rows:
        assert (row.locked_until, row.last_error) == (None, ""), row.name
        assert row.last_finished_at is not None and row.next_run_at > now, row.name
    mail = db.session.get(OutboxMail, mail_id)
    assert mail.sent_at is not None and mail.attempts == 1
    assert sum(err.count(subject) for _, err in outputs) == 1
