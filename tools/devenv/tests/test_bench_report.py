"""The benchmark's report: medians of several runs, ratios, the look-up line."""

import bench


def _run(create, approve):
    return {
        "create": {"seconds": create, "queries": 600, "lines": 9900},
        "approve": {"seconds": approve, "queries": 30},
    }


def test_median_run_of_each_phase():
    runs = [_run(18.0, 1.2), _run(16.0, 0.9), _run(30.0, 1.0)]
    merged = bench.median_results(runs)
    assert merged["create"]["seconds"] == 18.0
    assert merged["create"]["runs_seconds"] == [16.0, 18.0, 30.0]
    assert merged["approve"]["seconds"] == 1.0
    assert merged["approve"]["queries"] == 30


def test_a_single_run_is_reported_as_it_is():
    assert bench.median_results([_run(18.0, 1.2)]) == _run(18.0, 1.2)


def test_report_gives_ratio_extra_queries_and_lookup():
    ours = bench.median_results([_run(15.0, 0.9), _run(15.0, 0.9), _run(15.0, 0.9)])
    ours["lookup"] = {
        "rows": 2009902,
        "generate_seconds": 233.5,
        "all": {"found": 9900, "median_ms": 15.9, "runs_ms": [15.9] * 5, "plan": ["A"]},
        "one_contract": {"found": 197, "median_ms": 10.1, "plan": ["B"]},
        "all_without_partial_index": {"found": 9900, "median_ms": 265.2, "plan": ["C"]},
    }
    plain = {"create": {"seconds": 12.0, "queries": 573, "lines": 9900}}
    text = bench.report({9900: {"plain": plain, "ours": ours}}, ["./dev", "bench"])
    assert "median of 3 runs" in text
    assert "| 9,900 | 12.00 s, 573 q | 15.00 s, 600 q | 1.25 | +0.003 |" in text
    assert "9,900 found in 15.9 ms" in text
    assert "without the partial index: 265.2 ms (C)" in text


def test_report_measures_invoicing_against_odoo_alone():
    """Ours 3.0 s + 2.0 s; Odoo alone creating and posting the same invoices
    2.5 s + 1.5 s: 5.0 / 4.0 = 1.25."""
    ours = {
        "invoice": {
            "seconds": 3.0,
            "queries": 400,
            "invoices": 50,
            "invoice_lines": 200,
        },
        "post": {"seconds": 2.0, "queries": 1000, "invoices": 50},
        "floor_invoice": {"seconds": 2.5, "queries": 350, "invoices": 50},
        "floor_post": {"seconds": 1.5, "queries": 990, "invoices": 50},
    }
    text = bench.report({9900: {"ours": ours}}, ["./dev", "bench"])
    assert "| 2.50 s, 350 q + 1.50 s, 990 q: 1.25 |" in text
