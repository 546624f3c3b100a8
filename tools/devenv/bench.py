"""``./dev bench``: the benchmark of bench/scenario.py, in scratch databases.

For each size, three databases copied from cached templates (plain
hr_timesheet + account; the same with this addon; Odoo's sale_timesheet) run
the same month of time; the report gives wall time, queries and ratios.
"""

import json
import os
import shlex
import time

from odoo_runner import ADDON

FLAVOURS = {
    "plain": ["create"],
    "ours": ["create", "submit", "approve", "invoice"],
    "sale": ["create", "sale_invoice"],
}


def scenario_script(checkout, flavour, size, phases, out, seed=True, lookup_rows=0):
    return f"""
import os
import sys
os.environ["BENCH_PROFILE"] = {os.environ.get("BENCH_PROFILE", "")!r}
sys.path.insert(0, {str(checkout / "bench")!r})
import scenario
scenario.run(
    env, {flavour!r}, {size}, {phases!r}, {str(out)!r}, seed={seed!r},
    lookup_rows={lookup_rows!r},
)
"""


def run_scenario(
    odoo, state, checkout, database, flavour, size, phases, seed=True, lookup_rows=0
):
    out = state / "bench" / f"{database}-{size}-{'-'.join(phases)}.json"
    out.parent.mkdir(exist_ok=True)
    out.unlink(missing_ok=True)
    started = time.monotonic()
    odoo.run_logged(
        f"bench-{flavour}-{size}.log",
        "-d",
        database,
        "--no-http",
        stdin=scenario_script(checkout, flavour, size, phases, out, seed, lookup_rows),
        subcommand="shell",
    )
    print(
        f"[bench] {flavour} {size:,} lines: {', '.join(phases)} "
        f"({time.monotonic() - started:.0f} s)",
        flush=True,
    )
    return json.loads(out.read_text())["results"]


def median_results(runs):
    """The results of one size and database over several runs: per phase, the
    run of median time (its queries and counts with it); the times of every
    run are kept in ``runs_seconds``."""
    merged = {}
    for phase in runs[0]:
        figures = sorted(
            (run[phase] for run in runs if phase in run),
            key=lambda figures: figures.get("seconds", 0),
        )
        median = dict(figures[len(figures) // 2])
        if len(figures) > 1:
            median["runs_seconds"] = [figures_["seconds"] for figures_ in figures]
        merged[phase] = median
    return merged


def _cell(result):
    if not result:
        return "-"
    return f"{result['seconds']:.2f} s, {result['queries']:,} q"


def _ratio(numerator, denominator):
    if not numerator or not denominator or not denominator["seconds"]:
        return "-"
    return f"{numerator['seconds'] / denominator['seconds']:.2f}"


def report(results, command, cron=None):
    """The tables of the README's performance section, from one run;
    ``results``: ``{size: {flavour: {phase: figures}}}``, ``cron``: the figures
    of the scheduled job."""
    lines = [f"Command: `{shlex.join(command)}`", ""]
    repeats = {
        len(figures.get("runs_seconds", [0]))
        for by_flavour in results.values()
        for phases in by_flavour.values()
        for figures in phases.values()
    }
    if max(repeats, default=1) > 1:
        lines[-1:] = [
            "",
            (
                f"Each time is the median of {max(repeats)} runs (every run's time "
                "is in results.json, `runs_seconds`)."
            ),
            "",
        ]
    lines += [
        (
            "| lines | create: plain | create: ours | ours/plain time"
            " | extra queries/line | submit | approve |"
        ),
        "|---|---|---|---|---|---|---|",
    ]
    for size, by_flavour in sorted(results.items()):
        plain = by_flavour.get("plain", {}).get("create")
        ours = by_flavour.get("ours", {})
        extra = "-"
        if plain and ours.get("create"):
            extra = f"{(ours['create']['queries'] - plain['queries']) / size:+.3f}"
        lines.append(
            f"| {size:,} | {_cell(plain)} | {_cell(ours.get('create'))}"
            f" | {_ratio(ours.get('create'), plain)} | {extra}"
            f" | {_cell(ours.get('submit'))} | {_cell(ours.get('approve'))} |"
        )
    lines += [
        "",
        (
            "| lines | invoices (lines) | ours: create invoices | ours: post"
            " | sale_timesheet: create invoices | sale_timesheet: post"
            " | sale/ours (create + post) | ours: queries per invoice + 3/line"
            " | Odoo alone: create + post: ours/floor |"
        ),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for size, by_flavour in sorted(results.items()):
        ours, sale = by_flavour.get("ours", {}), by_flavour.get("sale", {})
        invoice, post = ours.get("invoice"), ours.get("post")
        if not invoice:
            continue
        ratio = "-"
        if sale.get("invoice"):
            ours_time = invoice["seconds"] + post["seconds"]
            sale_time = sale["invoice"]["seconds"] + sale["post"]["seconds"]
            ratio = f"{sale_time / ours_time:.2f}"
        queries = invoice["queries"] + post["queries"]
        allowed = 40 * invoice["invoices"] + 3 * invoice["invoice_lines"]
        budget = f"{queries:,} of {allowed:,} allowed"
        floor = "-"
        if ours.get("floor_invoice"):
            floor_time = (
                ours["floor_invoice"]["seconds"] + ours["floor_post"]["seconds"]
            )
            ours_time = invoice["seconds"] + post["seconds"]
            floor = f"{_cell(ours['floor_invoice'])} + {_cell(ours['floor_post'])}"
            floor += f": {ours_time / floor_time:.2f}" if floor_time else ""
        lines.append(
            f"| {size:,} | {invoice['invoices']} ({invoice['invoice_lines']})"
            f" | {_cell(invoice)} | {_cell(post)} | {_cell(sale.get('invoice'))}"
            f" | {_cell(sale.get('post'))} | {ratio} | {budget} | {floor} |"
        )
    posts = {
        size: by_flavour["ours"]["post"]["seconds"]
        for size, by_flavour in results.items()
        if by_flavour.get("ours", {}).get("post")
    }
    if 10000 in posts and 50000 in posts:
        lines += [
            "",
            (
                "Posting the same invoices at 50,000 lines vs 10,000: "
                f"{posts[50000] / posts[10000]:.2f} x the time."
            ),
        ]
    lines += _lookup_report(results)
    if cron:
        lines += [
            "",
            (
                f"Scheduled job: {cron['invoiced_lines']:,} lines into "
                f"{cron['invoices']} draft invoices in {cron['seconds']:.1f} s, "
                f"{cron['queries']:,} queries, {len(cron['progress_reports'])} "
                f"committed batches (progress {cron['progress_done']} done, "
                f"{cron['progress_remaining']} remaining); peak memory "
                f"{cron['rss_peak_mb']} MB (process at {cron['rss_before_mb']} MB "
                "before the job)."
            ),
        ]
    return "\n".join(lines)


def _lookup_report(results):
    lookups = [
        (size, by_flavour["ours"]["lookup"])
        for size, by_flavour in sorted(results.items())
        if by_flavour.get("ours", {}).get("lookup")
    ]
    lines = []
    for _size, lookup in lookups:
        every, one, without = (
            lookup["all"],
            lookup["one_contract"],
            lookup["all_without_partial_index"],
        )
        lines += [
            "",
            (
                f"Lines ready to invoice among {lookup['rows']:,} timesheet lines "
                f"(generated in SQL in {lookup['generate_seconds']} s): "
                f"{every['found']:,} found in {every['median_ms']} ms "
                f"(median of {len(every['runs_ms'])}; plan: "
                f"{', '.join(every['plan'])}); one contract's "
                f"{one['found']:,} in {one['median_ms']} ms; without the partial "
                f"index: {without['median_ms']} ms ({', '.join(without['plan'])})."
            ),
        ]
    return lines


def database_name(flavour):
    return f"{ADDON}_bench_{flavour}"
