"""Scheduled jobs. Plugins add Jobs through `samaki_jobs`; `flask jobs run-due` (cron, every minute)
runs those that are due. Each job's row in core_job_run is claimed with one conditional UPDATE, so
however many runners start at once, a job runs once per period — on SQLite and PostgreSQL alike.
With Redis configured, `--enqueue` hands due jobs to an RQ worker instead of running them inline."""
from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, update

from core.columns import utcnow
from core.extensions import db
from core.models import JobRun

LEASE = timedelta(minutes=30)   # a runner that died frees its job after this long


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    function: Callable[[datetime], object]   # called with "now"; does its own commits


def registered_jobs() -> dict[str, Job]:
    jobs = [job for result in current_app.extensions["samaki"].pm.hook.samaki_jobs() for job in result or []]
    return {job.name: job for job in jobs}


def _ensure_rows(jobs: dict[str, Job], now: datetime) -> None:
    known = set(db.session.execute(db.select(JobRun.name)).scalars())
    for name in jobs.keys() - known:
        db.session.add(JobRun(name=name, next_run_at=now))
    try:
        db.session.commit()
    except Exception:   # another runner inserted the same rows first
        db.session.rollback()


def claim(name: str, now: datetime) -> bool:
    """Take the job if it is due and nobody holds it; True when this runner got it."""
    result = db.session.execute(update(JobRun).where(
        JobRun.name == name, JobRun.next_run_at <= now,
        or_(JobRun.locked_until.is_(None), JobRun.locked_until < now)).values(
        locked_until=now + LEASE, last_started_at=now))
    db.session.commit()
    return result.rowcount == 1


def run_claimed(job: Job, now: datetime) -> bool:
    """Run a job this runner has claimed; record the outcome and schedule the next run."""
    error = ""
    try:
        job.function(now)
    except Exception:
        db.session.rollback()
        error = traceback.format_exc(limit=3)[-500:]
        current_app.logger.exception("Job %s failed", job.name)
    db.session.execute(update(JobRun).where(JobRun.name == job.name).values(
        locked_until=None, last_finished_at=utcnow(), last_error=error, next_run_at=now + job.every))
    db.session.commit()
    return not error


def run_due(now: datetime | None = None, *, enqueue: bool = False) -> list[str]:
    """Run (or enqueue on RQ) every due job; returns the names this runner took."""
    now = now or utcnow()
    jobs = registered_jobs()
    _ensure_rows(jobs, now)
    taken = []
    for name, job in sorted(jobs.items()):
        if not claim(name, now):
            continue
        taken.append(name)
        if enqueue:
            rq_queue().enqueue(run_claimed_job_in_worker, name, now.isoformat())
        else:
            run_claimed(job, now)
    return taken


def rq_queue():
    from redis import Redis
    from rq import Queue
    url = current_app.config.get("REDIS_URL")
    if not url:
        raise RuntimeError("SAMAKI_REDIS_URL is not set: run jobs inline (without --enqueue).")
    return Queue("samaki", connection=Redis.from_url(url))


def run_claimed_job_in_worker(name: str, now_iso: str) -> bool:
    """Entry point for the RQ worker (`rq worker samaki` with the app importable)."""
    from core import create_app
    app = create_app()
    with app.app_context():
        return run_claimed(registered_jobs()[name], datetime.fromisoformat(now_iso))
