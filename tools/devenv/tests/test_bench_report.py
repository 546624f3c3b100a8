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
