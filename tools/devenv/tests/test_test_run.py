"""How ./dev test reads a test report, and finds or installs the system
programs it uses before any test runs."""

import os

import databases
import host
import pytest
import system

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

PDF = system.Program(
    ("wkhtmltopdf",), "wkhtmltopdf", "prints PDFs", frozenset({"test"})
)
BROWSER = system.Program(
    system.CHROME_NAMES, "chromium", "browser tours", frozenset({"test"})
)
GETTEXT = system.Program(("msgmerge",), "gettext", "merges", frozenset({"pot"}))


def test_report_counts_passed_and_names_skipped_and_failed(tmp_path):
    junit = tmp_path / "pytest.xml"
    junit.write_text(REPORT)
    assert databases.count_tests(junit) == (2, ["test_flow"])
    assert databases.failed_tests(junit) == ["tests.test_a.TestA.test_broken"]
    assert databases.count_tests(tmp_path / "missing.xml") == (0, [])


def write_program(folder, name, script="#!/bin/sh\nexit 0\n"):
    program = folder / name
    program.write_text(script)
    program.chmod(0o755)
    return program


def test_programs_found_on_path(monkeypatch, tmp_path):
    pdf = write_program(tmp_path, "wkhtmltopdf")
    chromium = write_program(tmp_path, "chromium")
    monkeypatch.setenv("PATH", str(tmp_path))
    found = system.ensure("test", print, programs=(PDF, BROWSER, GETTEXT))
    # gettext is for ./dev pot only: not asked for by ./dev test
    assert found == {"wkhtmltopdf": str(pdf), "chromium": str(chromium)}


def test_the_shipped_table_names_every_program_of_the_tests():
    test_packages = {
        program.package for program in system.PROGRAMS if "test" in program.commands
    }
    assert test_packages == {"wkhtmltopdf", "chromium", "git"}
    assert "wkhtmltopdf" in {
        program.package for program in system.PROGRAMS if "demo" in program.commands
    }


def test_no_apt_names_the_packages_and_the_command(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(system.ProgramsMissing) as missing:
        system.ensure("test", print, programs=(PDF, BROWSER))
    message = str(missing.value)
    assert "no apt-get here" in message
    assert "wkhtmltopdf: prints PDFs" in message
    assert "sudo apt-get install -y chromium wkhtmltopdf" in message


def test_not_root_without_sudo_stops_before_installing(monkeypatch, tmp_path):
    # apt-get that would succeed, but sudo asks for a password
    log = tmp_path / "apt.log"
    write_program(tmp_path, "apt-get", f'#!/bin/sh\necho "$@" >> {log}\n')
    write_program(tmp_path, "sudo", "#!/bin/sh\nexit 1\n")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(system.ProgramsMissing, match="sudo asks for a password"):
        system.ensure("test", print, programs=(PDF,))
    assert not log.exists()


def test_missing_programs_installed_in_one_apt_call(monkeypatch, tmp_path):
    # an apt-get that "installs" each package by creating its program
    log = tmp_path / "apt.log"
    write_program(
        tmp_path,
        "apt-get",
        f"""#!/bin/sh
echo "$@" >> {log}
for word in "$@"; do
  case "$word" in
    wkhtmltopdf) printf '#!/bin/sh\\n' > {tmp_path}/wkhtmltopdf;
                 /bin/chmod +x {tmp_path}/wkhtmltopdf;;
    chromium) printf '#!/bin/sh\\n' > {tmp_path}/chromium;
              /bin/chmod +x {tmp_path}/chromium;;
  esac
done
""",
    )
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    found = system.ensure("test", print, programs=(PDF, BROWSER))
    assert found == {
        "wkhtmltopdf": str(tmp_path / "wkhtmltopdf"),
        "chromium": str(tmp_path / "chromium"),
    }
    assert log.read_text().splitlines() == [
        "update -q",
        "install -y -q --no-install-recommends chromium wkhtmltopdf",
    ]


def test_failed_apt_install_is_a_clear_failure(monkeypatch, tmp_path):
    # an apt-get that fails, as it does without network or rights
    write_program(tmp_path, "apt-get", "#!/bin/sh\nexit 100\n")
    write_program(tmp_path, "sudo", '#!/bin/sh\nshift\nexec "$@"\n')
    write_program(tmp_path, "true")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(
        system.ProgramsMissing, match=r"apt-get update -q.*exit 100"
    ) as failed:
        system.ensure("test", print, programs=(BROWSER,))
    assert "sudo apt-get install -y chromium" in str(failed.value)


def test_failed_tests_of_odoo_are_run_again_by_node_id(tmp_path):
    # as a JUnit report names a test of Odoo's project module
    tests_folder = tmp_path / "addons" / "project" / "tests"
    tests_folder.mkdir(parents=True)
    (tests_folder / "test_access_rights.py").write_text("")

    class Source:
        addons_paths = [tmp_path / "elsewhere", tmp_path / "addons"]

    class Odoo:
        odoo = Source()

    assert host.node_ids(
        Odoo(),
        ["odoo.addons.project.tests.test_access_rights.TestPrivate.test_crud"],
    ) == [f"{tests_folder / 'test_access_rights.py'}::TestPrivate::test_crud"]
