"""The load benchmark's counting: Odoo's retries, PostgreSQL's failing
statements, latency percentiles and the report's ratio."""

import sys
from pathlib import Path

import load_bench

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
import load  # bench/ is a folder of scripts, not a package

MODEL = "2026-12-03 09:00:01,100 4243 INFO load odoo.service.model:"
ODOO_LOG = "\n".join(
    [
        f"{MODEL} SERIALIZATION_FAILURE, 4 tries left, try again in 0.7 sec...",
        f"{MODEL} SERIALIZATION_FAILURE, 3 tries left, try again in 1.2 sec...",
        f"{MODEL} LOCK_NOT_AVAILABLE, 4 tries left, try again in 0.1 sec...",
        f"{MODEL} SERIALIZATION_FAILURE, maximum number of tries reached!",
        "2026-12-03 09:00:05,100 4243 INFO load werkzeug: 127.0.0.1 POST 200",
    ]
)

AT = "2026-12-03 09:00:01.000 UTC"
PG_LOG = "\n".join(
    [
        f"{AT} [101] ERROR:  could not serialize access due to concurrent update",
        f"{AT} [102] LOG:  checkpoint starting: time",
        f"{AT} [102] STATEMENT:  SELECT 1",
        f'{AT} [101] STATEMENT:   UPDATE "project_task"',
        '\t      SET "effective_hours" = "__tmp"."effective_hours"::double precision',
        f"{AT} [103] ERROR:  could not obtain lock on row in relation",
        f"{AT} [103] STATEMENT:  SELECT id FROM account_analytic_line FOR UPDATE",
        f"{AT} [104] ERROR:  duplicate key value violates unique constraint",
        f"{AT} [104] STATEMENT:  INSERT INTO res_partner VALUES (1)",
    ]
)


def test_odoo_retries_by_error_and_requests_out_of_tries():
    retries, exhausted = load_bench.odoo_retries(ODOO_LOG)
    assert retries == {"SERIALIZATION_FAILURE": 2, "LOCK_NOT_AVAILABLE": 1}
    assert exhausted == 1


def test_failing_statements_are_those_of_the_same_backend():
    statements = load_bench.failing_statements(PG_LOG)
    assert statements == {
        'UPDATE "project_task" SET "effective_hours" = "__tmp"."effective_hours"'
        "::double precision": 1,
        "SELECT id FROM account_analytic_line FOR UPDATE": 1,
    }


def test_summary_nearest_rank_p95_and_failures_apart():
    calls = [("log", float(second), None) for second in range(1, 21)]
    calls += [("log", 99.0, "Fault: refused"), ("submit", 5.0, None)]
    summary = load.summary(calls, {"log"})
    assert summary["requests"] == 21
    assert summary["failed"] == 1
    assert summary["errors"] == ["Fault: refused"]
    assert summary["p95"] == 19.0  # rank ceil(0.95 x 20) = 19 of 20
    assert summary["max"] == 20.0  # the failed call's time is not a latency
    assert summary["median"] == 10.5


def _result(p95, submit=None):
    calls = [("log", p95, None)] * 20
    if submit:
        calls += [("submit", submit, None)] * 4
    return {
        "walls": {"week": 10.0, "approve": 0.2, "invoice": 1.0},
        "log": load.summary(calls, {"log"}),
        "submit": load.summary(calls, {"submit"}),
        "week": load.summary(calls, {"log", "submit"}),
        "approve": None,
        "invoice": None,
        "retries": {},
        "exhausted": 0,
        "statements": {},
        "in_flight": 20,
    }


def test_report_gives_the_ratio_of_p95_and_a_worker_rate():
    results = {40: {"plain": _result(1.0), "ours": _result(1.2, submit=1.1)}}
    text = load_bench.report(results, ["./dev", "bench", "--load"], 3)
    assert "(3 workers, 20 in flight)" in text
    assert "- 40 employees: 1.20" in text
    assert "- 40 employees: 0.8 (entries and submissions)" in text  # 24 / 10 s / 3
    assert "- 40, ours: none" in text


def test_runs_merge_into_medians_and_sums():
    runs = [_result(1.0), _result(1.4), _result(1.2)]
    runs[1]["retries"] = {"SERIALIZATION_FAILURE": 2}
    runs[1]["log"]["failed"] = 1
    merged = load_bench.merge_runs(runs)
    assert merged["log"]["p95"] == 1.2
    assert merged["log"]["runs_p95"] == [1.0, 1.4, 1.2]
    assert merged["log"]["failed"] == 1
    assert merged["retries"] == {"SERIALIZATION_FAILURE": 2}
    plain = load_bench.merge_runs([_result(1.0), _result(1.0), _result(1.0)])
    text = load_bench.report({200: {"plain": plain, "ours": merged}}, ["x"], 3)
    assert "Medians of 3 runs" in text
    assert "- 200 employees: 1.20 (runs: 1.00, 1.40, 1.20)" in text
