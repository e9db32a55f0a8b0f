"""Scheduled jobs: due jobs run once per period, however many runners start at once."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.columns import utcnow
from core.extensions import db
from core.jobs import Job, claim, run_due
from core.models import JobRun

RUNS: list[str] = []


@pytest.fixture
def counting_job(app, monkeypatch):
    RUNS.clear()
    jobs = {"test.count": Job("test.count", timedelta(hours=1), lambda now: RUNS.append(now.isoformat()))}
    monkeypatch.setattr("core.jobs.registered_jobs", lambda: jobs)
    return jobs


def test_a_due_job_runs_once_and_is_scheduled_again(counting_job):
    now = utcnow()
    assert run_due(now) == ["test.count"]
    assert run_due(now + timedelta(minutes=1)) == []           # cron a minute later: not due
    assert run_due(now + timedelta(hours=1)) == ["test.count"]
    assert len(RUNS) == 2
    assert db.session.get(JobRun, "test.count").next_run_at == now + timedelta(hours=2)


def test_only_one_of_several_runners_gets_the_job(counting_job, app):
    now = utcnow()
    run_due(now - timedelta(hours=2))        # create the row
    row = db.session.get(JobRun, "test.count")
    row.next_run_at = now
    db.session.commit()
    winners = []

    def runner():
        with app.app_context():
            winners.append(claim("test.count", now))
            db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert winners.count(True) == 1


def test_a_failing_job_is_recorded_and_does_not_stop_others(app, monkeypatch):
    RUNS.clear()

    def broken(now):
        raise RuntimeError("boom")

    jobs = {"a.broken": Job("a.broken", timedelta(minutes=5), broken),
            "b.count": Job("b.count", timedelta(minutes=5), lambda now: RUNS.append("ran"))}
    monkeypatch.setattr("core.jobs.registered_jobs", lambda: jobs)
    assert run_due() == ["a.broken", "b.count"]
    assert RUNS == ["ran"]
    assert "boom" in db.session.get(JobRun, "a.broken").last_error


def test_core_registers_outbox_and_digest_jobs_and_cli_runs_them(app):
    result = app.test_cli_runner().invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0 and "core.outbox" in result.output and "core.daily_digest" in result.output
    again = app.test_cli_runner().invoke(args=["jobs", "run-due"])
    assert "core.daily_digest" not in again.output
    names = set(db.session.execute(select(JobRun.name)).scalars())
    assert {"core.outbox", "core.daily_digest"} <= names


def test_jobs_can_be_enqueued_on_redis_for_an_rq_worker(app, counting_job, monkeypatch):
    import redis
    from rq import Queue
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/15")
    connection = redis.Redis.from_url(app.config["REDIS_URL"])
    queue = Queue("samaki", connection=connection)
    queue.empty()
    assert run_due(enqueue=True) == ["test.count"]
    assert queue.count == 1 and queue.jobs[0].func_name == "core.jobs.run_claimed_job_in_worker"
    queue.empty()


def test_an_rq_worker_runs_an_enqueued_job_against_the_same_database(app, db_url, tmp_path, monkeypatch):
    import redis
    from rq import Queue, SimpleWorker

    from core.models import OutboxMail
    from core.outbox import send_mail
    send_mail("worker@example.org", "Queued", "Sent by the worker")
    db.session.commit()
    # The worker builds its own app from the environment, as `rq worker samaki` would.
    monkeypatch.setenv("SAMAKI_DATABASE_URL", db_url)
    monkeypatch.setenv("SAMAKI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SAMAKI_SECRET_KEY", "worker-test-secret-key-long-enough")
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/15")
    connection = redis.Redis.from_url(app.config["REDIS_URL"])
    queue = Queue("samaki", connection=connection)
    queue.empty()
    assert "core.outbox" in run_due(enqueue=True)
    SimpleWorker([queue], connection=connection).work(burst=True)
    db.session.expire_all()
    assert db.session.execute(select(OutboxMail)).scalar_one().sent_at is not None
    queue.empty()
