"""The commands of ./dev; each sets up what it needs, idempotently."""

import contextlib
import hashlib
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import databases
import environments
import host
import lint
import load_bench
import postgres
import repository
import system
from databases import copy_database, drop_database, install_afresh, say
from odoo_runner import ADDON, OdooRunner
from odoo_source import find_odoo

import bench

CHECKOUT = Path(__file__).resolve().parents[2]
STATE = CHECKOUT / ".devenv"
DEMO_DB = f"{ADDON}_demo"
TEST_DB = f"{ADDON}_test"
HOST_DB = f"{ADDON}_host_test"
DEMO_CHECK_DB = f"{ADDON}_demo_check"
SCREENSHOTS_DB = f"{ADDON}_screenshots"
SCREENSHOTS = CHECKOUT / "static" / "description" / "screenshots"  # where they land
# Odoo's own timesheet invoicing, which the benchmark runs beside this addon.
SALE_MODULES = ("sale_timesheet",)
DEMO_STORY = "tests/demo_story.py"


@contextlib.contextmanager
def odoo_workspace():
    """Odoo found, its environment built, a PostgreSQL server answering.

    A private cluster started here is stopped on the way out; one that was
    already running (another ./dev command) is left running.
    """
    odoo = find_odoo(CHECKOUT)
    say(f"Odoo {odoo.version} found in {odoo.root}")
    STATE.mkdir(exist_ok=True)
    env = environments.ensure_odoo_env(STATE, odoo, CHECKOUT)
    bindir = postgres.find_bindir()
    server = postgres.external_server(bindir)
    cluster = None
    if server:
        say("using the PostgreSQL server named by PG* variables / Odoo options")
    else:
        cluster = postgres.PrivateCluster(STATE / "postgres", bindir)
        started = cluster.start()
        server = postgres.private_server(bindir, cluster)
        if not started:
            cluster = None  # not ours to stop
    try:
        yield OdooRunner(STATE, CHECKOUT, odoo, env, server)
    finally:
        if cluster:
            cluster.stop()


def run_stop(args):
    cluster = postgres.PrivateCluster(STATE / "postgres", postgres.find_bindir())
    if cluster.is_running():
        cluster.stop()
    else:
        say("the private PostgreSQL cluster is not running")
    return 0


def run_lint(args):
    system.ensure("lint", say)
    return lint.run(CHECKOUT, environments.ensure_lint_env(STATE))


# ---------------------------------------------------------------- test


def run_test(args):
    odoo_source = find_odoo(CHECKOUT)  # before anything else: no Odoo, no test run
    # every program a test calls, before any test: never a tour that times out
    for package, path in system.ensure("test", say).items():
        say(f"{package}: {path}")
    if not args.no_lint and run_lint(args):
        say("lint failed")
        return 1
    if _test_devenv(odoo_source):
        say("the tests of ./dev itself failed")
        return 1
    with odoo_workspace() as odoo:
        template = _base_template(odoo)
        _fresh_test_database(odoo, template)
        # copies of the fresh install, before the addon's tests ran there
        if not args.no_host:
            copy_database(odoo, TEST_DB, HOST_DB)
        if not args.no_apps:
            copy_database(odoo, TEST_DB, host.AFTER_DB)
        passed = _run_addon_tests(odoo, TEST_DB, "pytest.xml", args.pytest_args)
        if not passed:
            return 1
        if not args.pytest_args and _pot_is_stale(odoo):
            return 1
        if not args.no_host:
            passed += host.run_host_suites(
                odoo, STATE, HOST_DB, template, host.HOST_SUITES, "host"
            )
            drop_database(odoo, HOST_DB)
        _check_uninstall(odoo)
        if not args.no_apps:
            passed += host.check_install_orders(odoo, STATE, CHECKOUT, args.no_host)
        if not args.no_demo:
            _check_demo_install(odoo)
    linted = "lint skipped" if args.no_lint else "lint clean"
    demo = (
        "demo data not checked"
        if args.no_demo
        else "demo data installs and tells its story"
    )
    hosted = "" if args.no_host else ", Odoo's own suites pass as without it"
    apps = "" if args.no_apps else ", the apps install before, after and with it"
    say(
        f"all good: {linted}, {passed} tests passed{hosted}{apps}, uninstall "
        f"clean, {demo}"
    )
    return 0


def _run_addon_tests(
    odoo, database, junit_name, pytest_args, paths=("tests",), ignore=host.APPS_TESTS
):
    """The addon's tests on ``database`` (``databases.run_addon_tests``)."""
    return databases.run_addon_tests(
        odoo,
        STATE,
        database,
        junit_name,
        paths,
        *(f"--ignore={odoo.addon_path / path}" for path in ignore),
        *pytest_args,
    )


def _test_devenv(odoo_source):
    """The tests of this tooling: plain pytest, without Odoo's plugin."""
    STATE.mkdir(exist_ok=True)
    env = environments.ensure_odoo_env(STATE, odoo_source, CHECKOUT)
    say("testing ./dev itself (tools/devenv/tests)")
    tools = CHECKOUT / "tools" / "devenv"
    done = subprocess.run(
        [
            env.python,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:odoo",
            "-p",
            "no:cacheprovider",
            # its own configuration: the checkout's pyproject.toml is the
            # addon's packaging, and the checkout an addon, not a test package
            "-c",
            str(tools / "pytest.ini"),
            f"--rootdir={tools}",
            str(tools / "tests"),
        ],
        check=False,
    )
    return done.returncode


def _base_template(odoo, demo=False, extra_modules=()):
    return databases.base_template(
        odoo, CHECKOUT, demo=demo, extra_modules=extra_modules
    )


def _check_demo_install(odoo):
    """The demo data installs without a warning, as ./dev demo will load it,
    and tells its story (tests/demo_story.py)."""
    template = _base_template(odoo, demo=True)
    install_afresh(odoo, template, DEMO_CHECK_DB, "demo-check-install.log")
    passed = _run_addon_tests(
        odoo, DEMO_CHECK_DB, "pytest-demo.xml", [], paths=(DEMO_STORY,), ignore=()
    )
    if not passed:
        raise RuntimeError(
            "the demo data does not tell its story (tests/demo_story.py)"
        )
    drop_database(odoo, DEMO_CHECK_DB)


def _fresh_test_database(odoo, template):
    install_afresh(odoo, template, TEST_DB, "test-install.log", "--without-demo=all")


UNINSTALL_SCRIPT = f"""
module = env["ir.module.module"].search([("name", "=", "{ADDON}")])
module.button_immediate_uninstall()
"""


# ---------------------------------------------------------------- i18n

POT = CHECKOUT / "i18n" / f"{ADDON}.pot"


def run_pot(args):
    """Write the translation template from a fresh install of the addon."""
    find_odoo(CHECKOUT)
    system.ensure("pot", say)
    with odoo_workspace() as odoo:
        _fresh_test_database(odoo, _base_template(odoo))
        POT.parent.mkdir(exist_ok=True)
        POT.write_text(_export_pot(odoo))
    say(f"wrote {POT.relative_to(CHECKOUT)}")
    return _merge_translations()


def _merge_translations():
    """Bring each translation of i18n/ up to the template (GNU gettext's
    msgmerge): new terms come untranslated, removed ones go; the tests of
    ./dev itself then say which terms need translating. Terms the language
    writes as the source keep an empty msgstr and a "# same as the source"
    comment (tools/devenv/tests/test_translations.py)."""
    translations = sorted(POT.parent.glob("*.po"))
    if not translations:
        return 0
    for po in translations:
        subprocess.run(
            [
                "msgmerge",
                "--quiet",
                "--update",
                "--backup=none",
                "--no-fuzzy-matching",
                str(po),
                str(POT),
            ],
            check=True,
        )
        # terms the template lost go, not kept as obsolete "#~" entries
        subprocess.run(
            ["msgattrib", "--no-obsolete", "--output-file", str(po), str(po)],
            check=True,
        )
        say(f"merged {po.relative_to(CHECKOUT)}")
    # then in the layout OCA's po-pretty-format wants (sorted, polib's wrapping)
    lint_env = environments.ensure_lint_env(STATE)
    subprocess.run(
        [str(lint_env.bin("oca-checks-po")), "--fix", "--no-verbose", "--no-exit"]
        + [str(po) for po in translations],
        cwd=CHECKOUT,
        check=False,
        capture_output=True,
    )
    return 0


def _export_pot(odoo):
    """The template Odoo exports of the addon installed in the test database.

    Odoo reads the terms of every file under the addon's folder, following
    links, .devenv included: it reads a copy of the repository's files."""
    source = STATE / "i18n" / "addons"
    shutil.rmtree(source, ignore_errors=True)
    repository.copy_tracked_files(CHECKOUT, source / ADDON)
    exported = STATE / "i18n" / f"{ADDON}.pot"
    exported.unlink(missing_ok=True)
    addons_path = ",".join(str(path) for path in [*odoo.odoo.addons_paths, source])
    odoo.run_logged(
        "i18n-export.log",
        "-d",
        TEST_DB,
        f"--addons-path={addons_path}",
        f"--i18n-export={exported}",
        f"--modules={ADDON}",
    )
    return exported.read_text()


def _pot_is_stale(odoo):
    """The committed template holds every term of the installed addon: a
    string added or changed without ``./dev pot`` fails the run."""
    say(f"checking {POT.relative_to(CHECKOUT)} against the installed addon")
    current = _pot_terms(_export_pot(odoo))
    committed = _pot_terms(POT.read_text()) if POT.exists() else None
    if current == committed:
        return False
    say(
        f"{POT.relative_to(CHECKOUT)} is stale: run ./dev pot and commit it "
        f"(diff: {STATE / 'i18n' / (ADDON + '.pot')})"
    )
    return True


def _pot_terms(text):
    """The template without its dated header lines."""
    return [
        line
        for line in text.splitlines()
        if not line.startswith(('"POT-Creation-Date:', '"PO-Revision-Date:'))
    ]


def _check_uninstall(odoo):
    """The addon uninstalls cleanly: no error, nothing of it left behind."""
    say(f"uninstalling {ADDON} from {TEST_DB}")
    odoo.run_logged(
        "test-uninstall.log",
        "-d",
        TEST_DB,
        "--no-http",
        stdin=UNINSTALL_SCRIPT,
        subcommand="shell",
        strict=True,
    )
    state = odoo.server.psql(
        f"select state from ir_module_module where name = '{ADDON}'", TEST_DB
    )
    leftovers = odoo.server.psql(
        f"select count(*) from ir_model_data where module = '{ADDON}'", TEST_DB
    )
    if state != "uninstalled" or leftovers != "0":
        raise RuntimeError(
            f"uninstall left {ADDON} in state {state!r} with {leftovers} records"
        )


# ---------------------------------------------------------------- bench


def run_bench(args):
    """Every size in scratch databases; the report at the end (and in
    .devenv/bench/report.md)."""
    if args.load:
        return _run_load_bench(args)
    results, cron = {}, None
    with odoo_workspace() as odoo:
        templates = {
            "plain": _base_template(odoo),
            "sale": _base_template(odoo, extra_modules=SALE_MODULES),
        }
        ours = bench.database_name("ours_template")
        install_afresh(
            odoo, templates["plain"], ours, "bench-install.log", "--without-demo=all"
        )
        templates["ours"] = ours
        for size in args.sizes:
            for flavour, phases in bench.FLAVOURS.items():
                if flavour not in args.flavours:
                    continue
                runs = []
                for run in range(args.repeat):
                    database = _bench_database(odoo, templates[flavour], flavour)
                    lookup_rows = 0
                    if flavour == "ours" and size == min(args.sizes) and not run:
                        lookup_rows = args.lookup_rows
                    runs.append(
                        bench.run_scenario(
                            odoo,
                            STATE,
                            CHECKOUT,
                            database,
                            flavour,
                            size,
                            phases + ["lookup"] * bool(lookup_rows),
                            lookup_rows=lookup_rows,
                        )
                    )
                    drop_database(odoo, database)
                results.setdefault(size, {})[flavour] = bench.median_results(runs)
        if args.cron_size:
            database = _bench_database(odoo, ours, "ours")
            phases = ["create", "submit", "approve"]
            bench.run_scenario(
                odoo, STATE, CHECKOUT, database, "ours", args.cron_size, phases
            )
            # The job in a process of its own: its peak memory is the job's.
            cron = bench.run_scenario(
                odoo,
                STATE,
                CHECKOUT,
                database,
                "ours",
                args.cron_size,
                ["cron"],
                seed=False,
            )["cron"]
            drop_database(odoo, database)
    text = bench.report(results, ["./dev", "bench", *args.argv], cron)
    (STATE / "bench").mkdir(exist_ok=True)
    (STATE / "bench" / "report.md").write_text(text + "\n")
    (STATE / "bench" / "results.json").write_text(
        json.dumps({"sizes": results, "cron": cron}, indent=1)
    )
    print(text)
    return 0


def _run_load_bench(args):
    """The Monday-morning load for each number of employees, plain hr_timesheet
    and this addon in turns, ``--repeat`` times; the report (medians of the
    runs) at the end and in .devenv/bench/load.md."""
    results = {}
    with odoo_workspace() as odoo:
        templates = {"plain": _base_template(odoo)}
        ours = bench.database_name("ours_template")
        install_afresh(
            odoo, templates["plain"], ours, "bench-install.log", "--without-demo=all"
        )
        templates["ours"] = ours
        port = _free_port(8270)
        for employees in args.employees:
            runs = {flavour: [] for flavour in load_bench.FLAVOURS}
            # plain and ours in turns: a drift of the machine touches both
            for _run in range(args.repeat):
                for flavour in load_bench.FLAVOURS:
                    runs[flavour].append(
                        load_bench.run_one(
                            odoo,
                            STATE,
                            CHECKOUT,
                            templates[flavour],
                            flavour,
                            employees,
                            args.workers,
                            port,
                        )
                    )
            results[employees] = {
                flavour: load_bench.merge_runs(flavour_runs)
                for flavour, flavour_runs in runs.items()
            }
    text = load_bench.report(results, ["./dev", "bench", *args.argv], args.workers)
    (STATE / "bench").mkdir(exist_ok=True)
    (STATE / "bench" / "load.md").write_text(text + "\n")
    (STATE / "bench" / "load.json").write_text(json.dumps(results, indent=1))
    print(text)
    return 0


def _bench_database(odoo, template, flavour):
    database = bench.database_name(flavour)
    copy_database(odoo, template, database)
    return database


# ---------------------------------------------------------------- demo


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def run_demo(args):
    # Ctrl-C, a terminal closing or a kill all stop Odoo and the cluster cleanly.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    find_odoo(CHECKOUT)
    system.ensure("demo", say)  # the demo's Print needs wkhtmltopdf
    with odoo_workspace() as odoo:
        _prepare_demo_database(odoo, reset=args.reset)
        port = _free_port(args.port)
        log = STATE / "logs" / "demo-server.log"
        say(f"starting Odoo on port {port} (log: {log})")
        with log.open("a") as out:
            server = subprocess.Popen(
                odoo.command(
                    "-d", DEMO_DB, f"--db-filter=^{DEMO_DB}$", f"--http-port={port}"
                ),
                env=odoo.process_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            if not _wait_for_login_page(server, port):
                print(log.read_text()[-4000:], file=sys.stderr)
                raise RuntimeError("Odoo stopped before serving its login page")
            _print_banner(port)
            server.wait()
        except KeyboardInterrupt:
            say("stopping Odoo")
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGINT)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
    return 0


def run_screenshots(args):
    """The README's screenshots: tests/screenshots.py in headless Chromium on
    the demo database (its changes rolled back)."""
    system.ensure("screenshots", say)
    with odoo_workspace() as odoo:
        # a fresh demo database: the story's dates are those of today
        template = _base_template(odoo, demo=True)
        install_afresh(odoo, template, SCREENSHOTS_DB, "screenshots-install.log")
        # tests/screenshots.py writes into the checkout's
        # static/description/screenshots (the link resolves to it)
        taken = _run_addon_tests(
            odoo,
            SCREENSHOTS_DB,
            "pytest-screenshots.xml",
            [],
            paths=("tests/screenshots.py",),
            ignore=(),
        )
        drop_database(odoo, SCREENSHOTS_DB)
    if not taken:
        return 1
    say(f"screenshots written to {SCREENSHOTS.relative_to(CHECKOUT)}")
    return 0


def _addon_fingerprint():
    """A digest of the addon's files, to update the demo database when they change."""
    digest = hashlib.sha1()
    tracked = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    for name in sorted(tracked):
        path = CHECKOUT / name
        if path.is_file():
            digest.update(name.encode() + path.read_bytes())
    return digest.hexdigest()


def _prepare_demo_database(odoo, reset):
    stamp = STATE / "demo-database.stamp"
    fingerprint = _addon_fingerprint()
    if reset:
        drop_database(odoo, DEMO_DB)
    if not odoo.server.database_exists(DEMO_DB) or ADDON not in odoo.installed_modules(
        DEMO_DB, [ADDON]
    ):
        say(
            f"creating the demo database {DEMO_DB} with demo data (a few minutes, once)"
        )
        odoo.run_logged("demo-install.log", "-d", DEMO_DB, "-i", ADDON, "--no-http")
    elif not stamp.is_file() or stamp.read_text() != fingerprint:
        say(f"the addon changed: updating it in {DEMO_DB}")
        odoo.run_logged("demo-update.log", "-d", DEMO_DB, "-u", ADDON, "--no-http")
    stamp.write_text(fingerprint)


def _free_port(first):
    for port in range(first, first + 20):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"no free HTTP port between {first} and {first + 19}")


def _wait_for_login_page(server, port, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/web/login", timeout=5
            ):
                return True
        except OSError:
            time.sleep(0.5)
    return False


def _print_banner(port):
    print(
        f"""
  Odoo 18.0 with {ADDON} is ready:  http://localhost:{port}
  database  {DEMO_DB} (demo data)
  logins    admin / admin   (administrator)
            demo / demo     (Marc Demo, consultant: logs and submits time)
            lead / lead     (Laura Lead, leads Northwind ERP and Bergmann)
            finance / finance       (Frank Finance, approves for Finance)
            accountant / accountant (Alice Accountant, invoices)
  Ctrl-C stops Odoo (and the private PostgreSQL cluster if this command started it).
""",
        flush=True,
    )
