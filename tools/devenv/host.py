"""The addon as a guest in a whole Odoo: Odoo's own test suites of the modules
it extends, and the other apps of Odoo Community installed before it, after it
and together with it.

A test of Odoo's that fails with the addon installed is run again on the same
modules without the addon: only a test that passes there is the addon's
defect (Odoo's own suites have tests that fail on any database like ours, a
test base URL or a module they do not depend on; those are reported, not
blamed on the addon).
"""

import databases
from databases import say
from odoo_runner import ADDON

# The suites of the modules the addon extends, run in its test database.
HOST_SUITES = ("hr_timesheet", "project")

# The apps firms install beside timesheets. Each brings the bridges Odoo
# auto-installs between it and hr_timesheet, project or account (BRIDGES).
APPS = (
    "sale_management",
    "hr_holidays",
    "hr_attendance",
    "hr_expense",
    "purchase",
    "stock",
)
# The auto-install bridges the APPS bring (the README lists them): each must
# be installed in every install order.
BRIDGES = (
    "sale_project",
    "sale_timesheet",
    "project_timesheet_holidays",
    "hr_timesheet_attendance",
    "project_hr_expense",
    "project_sale_expense",
    "project_purchase",
    "project_purchase_stock",
    "project_stock",
    "stock_account",
    "project_stock_account",
    "sale_project_stock",
    "sale_project_stock_account",
    "sale_purchase_project",
    "spreadsheet_dashboard_sale_timesheet",
)
# The suites of the bridges that make or read timesheets, run beside the apps.
BRIDGE_SUITES = (
    "sale_timesheet",
    "project_timesheet_holidays",
    "hr_timesheet_attendance",
)
# The addon's own tests that need the apps (left out of the main run).
APPS_TESTS = ("tests/test_sale_timesheet.py", "tests/test_beside_apps.py")


class HostSuiteFailed(RuntimeError):
    pass


def suite_paths(odoo, modules):
    """The ``tests`` folder of each of Odoo's ``modules``."""
    paths = []
    for module in modules:
        found = [base / module / "tests" for base in odoo.odoo.addons_paths]
        found = [path for path in found if path.is_dir()]
        if not found:
            raise RuntimeError(f"Odoo's {module} has no tests folder here")
        paths.append(found[0])
    return paths


def node_ids(odoo, tests):
    """pytest's node ids of tests named ``odoo.addons.<module>.tests.<file>.
    <Class>.<method>`` (as a JUnit report names them)."""
    ids = []
    for test in tests:
        *module, cls, method = test.split(".")
        relative = "/".join(module[2:]) + ".py"  # past "odoo.addons"
        path = next(
            base / relative
            for base in odoo.odoo.addons_paths
            if (base / relative).is_file()
        )
        ids.append(f"{path}::{cls}::{method}")
    return ids


def run_host_suites(odoo, state, database, baseline_template, modules, name):
    """Odoo's own suites of ``modules`` on ``database`` (the addon installed);
    the tests that fail are run again on a copy of ``baseline_template`` (the
    same modules without the addon). Return the number of tests passed;
    ``HostSuiteFailed`` names the tests that fail because of the addon."""
    paths = suite_paths(odoo, modules)
    rootdir = odoo.odoo.root
    cache = state / "pytest_cache"
    junit = state / "logs" / f"pytest-{name}.xml"
    say(f"Odoo's own tests of {', '.join(modules)} with {ADDON} ({database})")
    code = databases.run_pytest(
        odoo, database, junit, paths, rootdir, "-q", "-o", f"cache_dir={cache}"
    )
    passed, _skipped = databases.count_tests(junit)
    if code not in (0, 1) or not junit.is_file():
        raise HostSuiteFailed(
            f"Odoo's tests of {', '.join(modules)} did not run (exit {code})"
        )
    if not passed:
        raise HostSuiteFailed(f"no test of Odoo's {', '.join(modules)} passed")
    if code == 0:
        return passed
    failed = databases.failed_tests(junit)
    if not failed:
        raise HostSuiteFailed(
            f"Odoo's tests of {', '.join(modules)} failed (exit {code}) and the "
            f"report names none: {junit}"
        )
    baseline = f"{database}_without"
    say(
        f"{len(failed)} of Odoo's tests failed with {ADDON}; running them again "
        f"without it ({baseline})"
    )
    databases.copy_database(odoo, baseline_template, baseline)
    again = state / "logs" / f"pytest-{name}-without.xml"
    # by node id, not pytest's --last-failed: a test whose subtest failed
    # is not in pytest's list of failures
    databases.run_pytest(
        odoo,
        baseline,
        again,
        node_ids(odoo, failed),
        rootdir,
        "-q",
        "-o",
        f"cache_dir={cache}",
    )
    databases.drop_database(odoo, baseline)
    also_without = set(databases.failed_tests(again))
    ours = [test for test in failed if test not in also_without]
    for test in sorted(also_without):
        say(f"  fails without {ADDON} too (Odoo's, not ours): {test}")
    if ours:
        raise HostSuiteFailed(
            f"Odoo's tests that fail with {ADDON} and pass without it:\n  "
            + "\n  ".join(ours)
        )
    return passed


AFTER_DB = f"{ADDON}_apps_after"


def check_install_orders(odoo, state, checkout, no_host):
    """The apps installed before the addon, after it, and in one ``-i`` with
    it, each on a database of its own: every install is clean (no warning in
    Odoo's log), every bridge is installed, and the addon's tests beside the
    apps pass. Odoo's suites of the bridges run in the first one. AFTER_DB
    holds the addon freshly installed (a copy of the test database made
    before its tests ran). Return the number of tests passed."""
    plain = databases.base_template(odoo, checkout)
    with_apps = databases.base_template(
        odoo, checkout, extra_modules=APPS, label="apps"
    )
    before = f"{ADDON}_apps_before"
    after = AFTER_DB
    together = f"{ADDON}_apps_together"
    # the apps first, then the addon
    databases.install_afresh(
        odoo, with_apps, before, "apps-before-install.log", "--without-demo=all"
    )
    # the addon first, then the apps
    databases.install(
        odoo, after, "apps-after-install.log", "--without-demo=all", modules=APPS
    )
    # all in one -i
    databases.install_afresh(
        odoo,
        plain,
        together,
        "apps-together-install.log",
        "--without-demo=all",
        modules=(ADDON, *APPS),
    )
    passed = 0
    for database in (before, after, together):
        missing = set(BRIDGES) - odoo.installed_modules(database, BRIDGES)
        if missing:
            raise RuntimeError(
                f"{', '.join(sorted(missing))} not auto-installed in {database}"
            )
        passed += run_apps_tests(odoo, state, database)
    if not no_host:
        passed += run_host_suites(
            odoo, state, before, with_apps, BRIDGE_SUITES, "bridges"
        )
    for database in (before, after, together):
        databases.drop_database(odoo, database)
    return passed


def run_apps_tests(odoo, state, database):
    """The addon's own tests beside the apps (APPS_TESTS) on ``database``."""
    passed = databases.run_addon_tests(
        odoo, state, database, f"pytest-{database}.xml", APPS_TESTS
    )
    if not passed:
        raise RuntimeError(f"the addon's tests beside the apps failed in {database}")
    return passed
