"""Turn bench/results.json (written by bench.run) into bench/RESULTS.md: machine facts, commands,
data sizes, the results table, the targets and whether each is met, and the hand-written analysis
kept in bench/analysis.md.

    python -m bench.report          # rewrite RESULTS.md from the last results.json
    python -m bench.report --table bench/results-registers.json   # print another run's results table"""
from __future__ import annotations

import json
import platform
import re
import subprocess
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def machine() -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    models = re.findall(r"model name\s*:\s*(.+)", cpuinfo)
    free = subprocess.run(["free", "-m"], capture_output=True, text=True).stdout.strip()
    pg = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version"],
                        capture_output=True, text=True).stdout.strip()
    return [f"- CPU: {len(models)} × {models[0] if models else '?'}",
            f"- Python {platform.python_version()}, PostgreSQL {pg or '?'} on the same machine, wrk on the same machine",
            "- `free -m`:", "", "```", free, "```"]


def fmt(value, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def percent(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio * 100:,.0f}%"


def median(values: list) -> float | None:
    values = sorted(values)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


TARGETS = [  # (endpoint name prefix, p95 limit in ms)
    ("list", 100), ("request detail", 100), ("API list", 100), ("statistics", 300), ("dashboard", 300),
    ("search", 300), ("audit", None), ("API create", None),
    # The core registers (issue #10).
    ("contacts list", 100), ("contact detail", 100), ("places picker", 100), ("institutions list", 100),
    ("projects list", 100), ("API contacts list", 100), ("API places list", 100),
    # The modules of issue 16: their main lists as first opened and a well-filled record.
    ("courses list", 100), ("course detail", 100), ("opportunities list", 100), ("pipeline board", 300),
    ("opportunity detail", 100), ("laws list", 100), ("law detail", 100), ("campaigns list", 100),
    ("campaign detail", 100),
]


def p95_limit(name: str) -> int | None:
    for prefix, limit in TARGETS:
        if name.startswith(prefix):
            return limit
    return None


def change(before: float | None, after: float | None, digits: int = 1) -> str:
    """"before → after (±n%)", with "–" for a side that was not measured."""
    if before is None:
        return f"– → {fmt(after, digits)}"
    if after is None:
        return f"{fmt(before, digits)} → –"
    percent = f" ({(after - before) / before * 100:+.0f}%)" if before else ""
    return f"{fmt(before, digits)} → {fmt(after, digits)}{percent}"


def results_table(raw: dict) -> tuple[list[str], list[tuple[str, bool | None, str]]]:
    """The results table's lines and each endpoint's verdict on its target. After a run with --compare REV,
    req/s and p95 read "before → after" (before: REV's code, same database, measured back to back)."""
    compare = raw.get("compare")
    if compare:
        short = compare["short"]
        lines = [f"| endpoint | status (app/base/{short}) | req/s {short} → now | baseline req/s | ratio | p50 ms | "
                 f"p95 ms {short} → now | p99 ms | baseline p95 ms | errors | p95 target |",
                 "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    else:
        lines = ["| endpoint | status (app/base) | req/s | baseline req/s | ratio | p50 ms | p95 ms | p99 ms | "
                 "baseline p95 ms | errors | p95 target |",
                 "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    verdicts = []
    for name, by in raw["endpoints"].items():
        app, base = by["samaki"], by.get("baseline") or {"rps": [], "p95": []}
        rps, base_rps = median(app["rps"]), median(base["rps"])
        ratio = rps / base_rps if rps and base_rps else None
        p95 = median(app["p95"])
        limit = p95_limit(name)
        met = None if limit is None or p95 is None else p95 < limit
        status = "/".join("–" if code is None else str(code) for code in raw["statuses"].get(name, ["?", "?"]))
        target = "–" if limit is None else f"< {limit}: {'met' if met else '**missed**'}"
        if compare:
            old = by.get("before") or {"rps": [], "p95": []}
            rps_text, p95_text = change(median(old["rps"]), rps), change(median(old["p95"]), p95)
        else:
            rps_text, p95_text = fmt(rps), fmt(p95)
        lines.append(f"| {name} | {status} | {rps_text} | {fmt(base_rps)} | "
                     f"{percent(ratio)} | {fmt(median(app['p50']))} | {p95_text} | "
                     f"{fmt(median(app['p99']))} | {fmt(median(base['p95']))} | {int(median(app['errors']) or 0)} | "
                     f"{target} |")
        if limit is not None:
            verdicts.append((f"{name}: p95 < {limit} ms", met, f"{fmt(p95)} ms"))
        if name.startswith("API list"):
            verdicts.append(("API list ≥ 50% of baseline throughput", ratio is not None and ratio >= 0.5,
                             f"{fmt(ratio and ratio * 100, 0)}%" + (" (not the A2I list: see note)"
                                                                     if raw.get("api_note") else "")))
    return lines, verdicts


def write_results(raw: dict) -> Path:
    args, info = raw["args"], raw["facts"]
    lines = ["# Benchmark results", "",
             "Generated by `python -m bench.run` (see bench/README.md); the analysis at the end is hand-written "
             "(bench/analysis.md).", "", "## Machine", ""] + machine()
    lines += ["", "## Commands", "", "```",
              "python -m bench.seed --database-url postgresql://postgres@127.0.0.1:5432/samaki_bench --drop",
              f"python -m bench.run --duration {args['duration']} --concurrency {args['concurrency']} "
              f"--repeat {args['repeat']}" + (f" --compare {args['compare']}" if args.get("compare") else ""),
              "```", "",
              f"wrk: 2 threads, {args['concurrency']} connections, {args['duration']} s per endpoint, "
              f"{args['repeat']} rounds; every figure is the median of the rounds. Both apps: gunicorn, 2 sync workers, "
              "same PostgreSQL database. Samaki runs with SAMAKI_ENV=production and SAMAKI_SECURE_COOKIES=1 "
              "(the session cookie is carried by hand over plain http).", "", "## Data", ""]
    seed_file = BENCH / "seed_result.json"
    seed = json.loads(seed_file.read_text()) if seed_file.exists() else None
    lines += ["| table | rows |", "|---|---:|"]
    lines += [f"| {table} | {count:,} |" for table, count in info["counts"].items()]
    if seed:
        lines += ["", f"Seeding took **{seed['seconds'] / 60:.1f} min** ({seed['seconds']:.0f} s) "
                      f"with `{seed.get('command', 'python -m bench.seed')}`."]
    if raw.get("api_note"):
        lines += ["", f"Note: {raw['api_note']}."]
    table, verdicts = results_table(raw)
    lines += ["", "## Results", ""]
    compare = raw.get("compare")
    if compare:
        lines += [f"Before → after: the code of `{compare['rev']}` ({compare['commit'][:12]}) ran as a third gunicorn "
                  "(a git worktree, same database, same settings) and each endpoint was driven on it back to back "
                  "with the current code, in alternating order; \"–\" before: the page did not answer 200 there. "
                  "The baseline and target columns are the current code's.", ""]
    lines += table
    memory = raw["memory"]
    peak = max(memory["samaki"]) if memory["samaki"] else None
    verdicts.append(("Samaki worker peak memory < 250 MB", peak is not None and peak < 250,
                     ", ".join(f"{m:.0f} MB" for m in memory["samaki"])))
    if seed:
        verdicts.append(("seeding < 10 min", seed["seconds"] < 600, f"{seed['seconds'] / 60:.1f} min"))
    lines += ["", "Peak resident memory (VmHWM) of each gunicorn worker after all rounds: Samaki "
              + ", ".join(f"{m:.0f} MB" for m in memory["samaki"]) + "; baseline "
              + ", ".join(f"{m:.0f} MB" for m in memory["baseline"])
              + (f"; {compare['short']} " + ", ".join(f"{m:.0f} MB" for m in memory.get("before", []))
                 if compare else "") + ".", "", "## Targets", "",
              "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {what} | {measured} | {'yes' if met else '**no**' if met is not None else '?'} |"
              for what, met, measured in verdicts]
    analysis = BENCH / "analysis.md"
    if analysis.exists():
        lines += ["", analysis.read_text().strip()]
    out = BENCH / "RESULTS.md"
    out.write_text("\n".join(lines) + "\n")
    return out


if __name__ == "__main__":
    import sys
    if len(sys.argv) == 3 and sys.argv[1] == "--table":
        print("\n".join(results_table(json.loads(Path(sys.argv[2]).read_text()))[0]))
    else:
        write_results(json.loads((BENCH / "results.json").read_text()))
