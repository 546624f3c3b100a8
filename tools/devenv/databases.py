"""The databases ./dev builds, copies and tests in, and the pytest runs on them."""

import hashlib
import os
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from odoo_runner import ADDON, module_depends

# pytest plugins of ./dev test (-p)
PLUGINS = Path(__file__).resolve().parent / "pytest_plugins"
TEMPLATE_PREFIX = f"{ADDON}_base_"


def say(message):
    print(f"[devenv] {message}", flush=True)


def base_template(odoo, checkout, demo=False, extra_modules=(), label=None):
    """A database with the addon's dependencies (and ``extra_modules``, named
    ``label`` in the database's name) installed, with their demo data or
    without, built once per Odoo source."""
    depends = [*module_depends(checkout), *extra_modules]
    key = hashlib.sha1(f"{odoo.odoo.root}|{odoo.odoo.version}|{depends}".encode())
    prefix = TEMPLATE_PREFIX + ("demo_" if demo else "")
    if extra_modules:
        prefix += f"{label or '_'.join(extra_modules)}_"
    name = prefix + key.hexdigest()[:10]
    server = odoo.server
    if server.database_exists(name):
        return name
    for stale in server.databases(prefix + "__________"):
        drop_database(odoo, stale)
    building = name + "_building"
    with_demo = "with demo data" if demo else "without demo data"
    say(f"building {name} ({', '.join(depends)}, {with_demo}), once per Odoo")
    started = time.monotonic()
    drop_database(odoo, building)
    odoo.run_logged(
        f"base-install-{name[len(TEMPLATE_PREFIX) :]}.log",
        "-d",
        building,
        "-i",
        ",".join(depends),
        *([] if demo else ["--without-demo=all"]),
        "--no-http",
    )
    server.rename_database(building, name)
    if odoo.filestore(building).is_dir():
        odoo.filestore(building).rename(odoo.filestore(name))
    say(f"{name} built in {time.monotonic() - started:.0f} s")
    return name


def install_afresh(odoo, template, database, log_name, *options, modules=(ADDON,)):
    """Copy ``template`` (database and files) to ``database`` and install
    ``modules`` (the addon) there; Odoo's log must hold no warning."""
    copy_database(odoo, template, database)
    install(odoo, database, log_name, *options, modules=modules)


def install(odoo, database, log_name, *options, modules=(ADDON,)):
    """Install ``modules`` in ``database`` with one ``-i``; Odoo's log must
    hold no warning, and every module must end up installed."""
    say(f"installing {', '.join(modules)} in {database} {' '.join(options)}")
    odoo.run_logged(
        log_name,
        "-d",
        database,
        "-i",
        ",".join(modules),
        *options,
        "--no-http",
        strict=True,
    )
    missing = set(modules) - odoo.installed_modules(database, modules)
    if missing:
        raise RuntimeError(
            f"{', '.join(sorted(missing))} not installed in {database} after -i"
        )


def copy_database(odoo, template, database):
    """``database`` afresh as a copy of ``template``, its files included."""
    drop_database(odoo, database)
    odoo.server.copy_database(template, database)
    if odoo.filestore(template).is_dir():
        shutil.copytree(odoo.filestore(template), odoo.filestore(database))


def drop_database(odoo, database):
    odoo.server.drop_database(database)
    shutil.rmtree(odoo.filestore(database), ignore_errors=True)


def run_pytest(odoo, database, junit, targets, rootdir, *arguments):
    """pytest-odoo on ``database`` (with an HTTP server for the tours); its
    exit code. The JUnit report is written to ``junit``."""
    junit.parent.mkdir(parents=True, exist_ok=True)
    junit.unlink(missing_ok=True)
    return subprocess.run(
        [
            odoo.env.python,
            "-m",
            "pytest",
            *map(str, targets),
            f"--rootdir={rootdir}",
            f"--odoo-config={odoo.config}",
            f"--odoo-database={database}",
            f"--junitxml={junit}",
            # an HTTP server for the browser tours
            "--odoo-http",
            # Odoo's warnings and errors, and the requests of the tours, in the
            # report of a failed test (pytest-odoo's default shows none)
            "--odoo-log-level=warn",
            "--odoo-extra=log-handler=werkzeug:INFO",
            # not its error about importing the test framework outside Odoo's
            # test mode: pytest-odoo imports it so (the tests' own loggers and
            # the browser's are others)
            "--odoo-extra=log-handler=odoo.tests.common:CRITICAL",
            # the manifests read before the first request (see the plugin)
            "-p",
            "odoo_statics_warmup",
            # Odoo's pinned libraries import modules Python deprecates.
            "-W",
            "ignore::DeprecationWarning:passlib.utils",
            "-W",
            "ignore::DeprecationWarning:babel.messages.catalog",
            *arguments,
        ],
        env={
            **odoo.process_env(),
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(PLUGINS), odoo.process_env().get("PYTHONPATH")])
            ),
        },
        check=False,
    ).returncode


def run_addon_tests(odoo, state, database, junit_name, paths, *arguments):
    """pytest-odoo on the addon's tests ``paths`` in ``database``: the number
    of tests passed; 0 on a failure, when no test passed (a run without tests
    is a failure) or when one was skipped (a tour without its browser must
    not pass unseen)."""
    junit = state / "logs" / junit_name
    code = run_pytest(
        odoo,
        database,
        junit,
        [odoo.addon_path / path for path in paths],
        odoo.addon_path,
        "-o",
        f"cache_dir={state / 'pytest_cache'}",
        *arguments,
    )
    if code:
        say(f"tests failed in {database} (pytest exit code {code})")
        return 0
    passed, skipped = count_tests(junit)
    if skipped:
        say(f"{len(skipped)} tests skipped in {database}: {', '.join(skipped)}")
        return 0
    if not passed:
        say(f"no test passed in {database}: a run without tests is a failure")
    return passed


def count_tests(junit):
    """``(tests passed, names of the tests skipped)`` of a JUnit report."""
    if not junit.is_file():
        return 0, []
    root = ET.parse(junit).getroot()
    passed, skipped = 0, []
    for case in root.iter("testcase"):
        outcome = {child.tag for child in case}
        if "skipped" in outcome:
            skipped.append(case.get("name"))
        elif not outcome & {"failure", "error"}:
            passed += 1
    return passed, skipped


def failed_tests(junit):
    """The ``classname.name`` of each test a JUnit report says failed."""
    if not junit.is_file():
        return []
    root = ET.parse(junit).getroot()
    return sorted(
        {
            f"{case.get('classname')}.{case.get('name')}"
            for case in root.iter("testcase")
            if {child.tag for child in case} & {"failure", "error"}
        }
    )
