"""``./dev bench --load``: bench/load.py against Odoo in prefork mode.

For each number of employees and each flavour (plain hr_timesheet, then this
addon), a scratch database copied from the cached template is seeded in
``odoo-bin shell``; Odoo then serves it with ``--workers`` on ports of its
own, the clients run the morning over XML-RPC, and the server is stopped.
Serialization failures are counted in Odoo's log (each is a retry of a whole
request) and named by the statement PostgreSQL logged for them.
"""

import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import xmlrpc.client

from databases import copy_database, drop_database, say
from odoo_runner import ADDON

FLAVOURS = ("plain", "ours")
# Odoo's retry of a request: "SERIALIZATION_FAILURE, 4 tries left, try again…"
RETRY = re.compile(r"odoo\.service\.model: (\w+), (\d+ tries left|maximum number)")
# PostgreSQL's errors of concurrency (those Odoo retries), then the statement
# the same backend ([pid]) was running.
PG_ERROR = re.compile(
    r"\[(\d+)\] ERROR:\s+(could not serialize access|deadlock detected|could not "
    r"obtain lock|canceling statement due to lock timeout)"
)
PG_STATEMENT = re.compile(r"\[(\d+)\] STATEMENT:\s+(.*)")


def database_name(flavour):
    return f"{ADDON}_load_{flavour}"


def seed_script(checkout, flavour, employees, out):
    return f"""
import sys
sys.path.insert(0, {str(checkout / "bench")!r})
import load
load.seed(env, {flavour!r}, {employees}, {str(out)!r})
"""


def _start_server(odoo, state, database, workers, port, log):
    log.unlink(missing_ok=True)
    server = subprocess.Popen(
        odoo.command(
            "-d",
            database,
            f"--db-filter=^{database}$",
            f"--http-port={port}",
            f"--gevent-port={port + 1}",
            f"--workers={workers}",
            "--max-cron-threads=0",
            f"--logfile={log}",
            "--log-level=info",
            # the whole morning is one measure: no worker recycled under it
            "--limit-time-real=1800",
            "--limit-time-cpu=1800",
            "--limit-request=1000000",
        ),
        env=odoo.process_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    proxy = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{port}/xmlrpc/2/common")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            proxy.version()
            return server
        except OSError:
            time.sleep(0.5)
    _stop_server(server)
    tail = log.read_text()[-3000:] if log.exists() else ""
    raise RuntimeError(f"Odoo in prefork mode did not answer; log: {log}\n{tail}")


def _stop_server(server):
    """Stop Odoo, its workers and its gevent process (a session of their own)."""
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def odoo_retries(text):
    """``{error class: retries}`` and the requests that ran out of tries."""
    retries, exhausted = {}, 0
    for code, what in RETRY.findall(text):
        if what.startswith("maximum"):
            exhausted += 1
        else:
            retries[code] = retries.get(code, 0) + 1
    return retries, exhausted


def failing_statements(text):
    """``{statement's first words: count}`` of PostgreSQL's concurrency errors."""
    counts = {}
    lines = text.splitlines()
    for index, line in enumerate(lines):
        error = PG_ERROR.search(line)
        if not error:
            continue
        for offset, following in enumerate(lines[index + 1 : index + 40]):
            found = PG_STATEMENT.search(following)
            if found and found.group(1) == error.group(1):
                # Odoo's statements span lines; PostgreSQL indents the rest.
                start = index + 2 + offset
                rest = []
                for more in lines[start : start + 5]:
                    if not more.startswith(("\t", " ")):
                        break
                    rest.append(more)
                text = " ".join([found.group(2), *rest])
                head = " ".join(text.split())[:90]
                counts[head] = counts.get(head, 0) + 1
                break
    return counts


def run_one(odoo, state, checkout, template, flavour, employees, workers, port):
    sys.path.insert(0, str(checkout / "bench"))
    import load  # bench/ is not a package of the tools

    database = database_name(flavour)
    copy_database(odoo, template, database)
    seeded = state / "bench" / f"load-{flavour}-{employees}.json"
    seeded.parent.mkdir(exist_ok=True)
    started = time.monotonic()
    odoo.run_logged(
        f"load-seed-{flavour}-{employees}.log",
        "-d",
        database,
        "--no-http",
        stdin=seed_script(checkout, flavour, employees, seeded),
        subcommand="shell",
    )
    data = json.loads(seeded.read_text())
    elapsed = time.monotonic() - started
    say(f"load: {flavour}, {employees} employees seeded ({elapsed:.0f} s)")
    cluster = odoo.server.private
    pg_log = cluster.log if cluster else None
    pg_offset = pg_log.stat().st_size if pg_log and pg_log.exists() else 0
    log = state / "logs" / f"load-server-{flavour}-{employees}.log"
    server = _start_server(odoo, state, database, workers, port, log)
    try:
        driven = load.drive(f"http://127.0.0.1:{port}", database, data)
    finally:
        _stop_server(server)
        drop_database(odoo, database)
    retries, exhausted = odoo_retries(log.read_text())
    statements = None
    if pg_log:
        with pg_log.open() as file:
            file.seek(pg_offset)
            statements = failing_statements(file.read())
    calls = driven["calls"]
    result = {
        "walls": driven["walls"],
        "log": load.summary(calls, {"log"}),
        "submit": load.summary(calls, {"submit"}),
        "week": load.summary(calls, {"log", "submit"}),
        "approve": load.summary(calls, {"approve"}),
        "invoice": load.summary(calls, {"invoice"}),
        "retries": retries,
        "exhausted": exhausted,
        "statements": statements,
        "in_flight": load.IN_FLIGHT,
    }
    week = result["week"]
    say(
        f"load: {flavour}, {employees} employees: week "
        f"{driven['walls']['week']:.1f} s, p95 {_seconds(week, 'p95')} s, "
        f"{week['failed']} failed, retries {retries}"
    )
    return result


def merge_runs(runs):
    """One result from several runs of a flavour: the median of each time
    (wall, latency), the sum of what must be zero (failures, retries)."""
    if len(runs) == 1:
        return runs[0]
    merged = dict(runs[-1])
    merged["runs"] = len(runs)
    merged["walls"] = {
        key: statistics.median(run["walls"][key] for run in runs)
        for key in runs[0]["walls"]
    }
    for kind in ("log", "submit", "week", "approve", "invoice"):
        summaries = [run[kind] for run in runs if run[kind]]
        if not summaries:
            continue
        merged[kind] = {
            key: statistics.median(summary[key] for summary in summaries)
            for key in ("median", "p95", "max")
            if all(key in summary for summary in summaries)
        }
        merged[kind]["runs_p95"] = [summary.get("p95") for summary in summaries]
        merged[kind]["requests"] = summaries[0]["requests"]
        merged[kind]["failed"] = sum(summary["failed"] for summary in summaries)
        merged[kind]["errors"] = [
            error for summary in summaries for error in summary["errors"]
        ][:5]
    merged["retries"] = {}
    for run in runs:
        for code, count in run["retries"].items():
            merged["retries"][code] = merged["retries"].get(code, 0) + count
    merged["exhausted"] = sum(run["exhausted"] for run in runs)
    if all(run["statements"] is not None for run in runs):
        merged["statements"] = {}
        for run in runs:
            for head, count in run["statements"].items():
                merged["statements"][head] = merged["statements"].get(head, 0) + count
    return merged


def _seconds(summary, key):
    return f"{summary[key]:.2f}" if summary and key in summary else "–"


def report(results, command, workers):
    in_flight = next(
        result["in_flight"]
        for flavours in results.values()
        for result in flavours.values()
    )
    header = (
        "| employees | flavour | week: wall | requests | failed | log median / p95 / "
        "max (s) | submit median / p95 (s) | serialization retries | approve / "
        "invoice wall (s) | lines invoiced |"
    )
    lines = [
        f"Load: `{' '.join(command)}` ({workers} workers, {in_flight} in flight)",
        "",
        header,
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for employees, flavours in results.items():
        for flavour, result in flavours.items():
            walls, log, submit = result["walls"], result["log"], result["submit"]
            failed = sum(
                (result[kind] or {}).get("failed", 0)
                for kind in ("log", "submit", "approve", "invoice")
            )
            requests = sum(
                (result[kind] or {}).get("requests", 0)
                for kind in ("log", "submit", "approve", "invoice")
            )
            retries = sum(result["retries"].values())
            lines.append(
                f"| {employees} | {flavour} | {walls['week']:.1f} s | {requests} | "
                f"{failed} | {_seconds(log, 'median')} / {_seconds(log, 'p95')} / "
                f"{_seconds(log, 'max')} | {_seconds(submit, 'median')} / "
                f"{_seconds(submit, 'p95')} | {retries} "
                f"(out of tries: {result['exhausted']}) | "
                f"{walls.get('approve', 0):.1f} / {walls.get('invoice', 0):.1f} | "
                f"{walls.get('invoiced_lines', '–')} |"
            )
    runs = next(
        result.get("runs", 1)
        for flavours in results.values()
        for result in flavours.values()
    )
    if runs > 1:
        note = (
            f"Medians of {runs} runs (plain and ours in turns); failures and "
            "retries are the sums of all runs."
        )
        lines += ["", note]
    lines += ["", "p95 of an entry, with the addon / plain (target ≤ 1.3):"]
    for employees, flavours in results.items():
        if {"plain", "ours"} <= set(flavours):
            ours, plain = flavours["ours"]["log"], flavours["plain"]["log"]
            ratio = ours["p95"] / plain["p95"]
            each = ""
            if "runs_p95" in ours:
                each = (
                    " (runs: "
                    + ", ".join(
                        f"{mine / theirs:.2f}"
                        for mine, theirs in zip(
                            ours["runs_p95"], plain["runs_p95"], strict=True
                        )
                    )
                    + ")"
                )
            lines.append(f"- {employees} employees: {ratio:.2f}{each}")
    lines += ["", "Requests one worker serves per second, with the addon:"]
    for employees, flavours in results.items():
        ours = flavours.get("ours")
        if ours:
            rate = ours["week"]["requests"] / ours["walls"]["week"] / workers
            lines.append(
                f"- {employees} employees: {rate:.1f} (entries and submissions)"
            )
    lines += ["", "Statements PostgreSQL could not serialize:"]
    for employees, flavours in results.items():
        for flavour, result in flavours.items():
            statements = result["statements"]
            if statements is None:
                shown = "not known (not the private cluster)"
            else:
                shown = (
                    "; ".join(
                        f"{count} × `{head}`"
                        for head, count in sorted(statements.items())
                    )
                    or "none"
                )
            lines.append(f"- {employees}, {flavour}: {shown}")
    for employees, flavours in results.items():
        for flavour, result in flavours.items():
            for kind in ("log", "submit", "approve", "invoice"):
                for error in (result[kind] or {}).get("errors", []):
                    lines.append(f"- failed ({employees}, {flavour}, {kind}): {error}")
    return "\n".join(lines)
