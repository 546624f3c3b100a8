"""How ./dev test reads a test report and finds the tours' browser."""

import browser
import commands
import pytest

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="4" failures="1" skipped="1">
<testcase classname="tests.test_a.TestA" name="test_ok" time="0.1"/>
<testcase classname="tests.test_a.TestA" name="test_ok_with_output">
<system-out>log</system-out></testcase>
<testcase classname="tests.test_tours.TestTours" name="test_flow">
<skipped message="websocket-client module is not installed"/></testcase>
<testcase classname="tests.test_a.TestA" name="test_broken"><failure/></testcase>
</testsuite></testsuites>
"""


def test_report_counts_passed_and_names_skipped(tmp_path):
    junit = tmp_path / "pytest.xml"
    junit.write_text(REPORT)
    assert commands._count_tests(junit) == (2, ["test_flow"])
    assert commands._count_tests(tmp_path / "missing.xml") == (0, [])


def write_program(folder, name):
    program = folder / name
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    return program


def test_chrome_found_on_path(monkeypatch, tmp_path):
    chromium = write_program(tmp_path, "chromium")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert browser.ensure_chrome(print) == str(chromium)


def test_no_chrome_and_no_apt_is_a_clear_failure(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(browser.BrowserMissing, match="need Chromium or Chrome"):
        browser.ensure_chrome(print)


def test_failed_apt_install_is_a_clear_failure(monkeypatch, tmp_path):
    # an apt-get that fails, as it does without network or rights
    failing = tmp_path / "apt-get"
    failing.write_text("#!/bin/sh\nexit 100\n")
    failing.chmod(0o755)
    write_program(tmp_path, "sudo").write_text('#!/bin/sh\nshift\nexec "$@"\n')
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(browser.BrowserMissing, match=r"apt-get update -q.*exit 100"):
        browser.ensure_chrome(print)
