"""Set up and run hr_timesheet_billing for development: ``./dev demo``, ``./dev test``.

Everything it builds lives in ``.devenv/`` (ignored by git) and is reused by the next
run: the virtual environments, the private PostgreSQL cluster, the databases.
"""

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import commands
from odoo_source import OdooNotFound
from postgres import PostgresError


def main(argv):
    parser = argparse.ArgumentParser(prog="./dev", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="serve Odoo with the addon on a demo database")
    demo.add_argument("--port", type=int, default=8069, help="first HTTP port to try")
    demo.add_argument(
        "--reset", action="store_true", help="drop and rebuild the demo database"
    )
    test = sub.add_parser(
        "test", help="lint, install the addon afresh and run the tests"
    )
    test.add_argument("--no-lint", action="store_true", help="skip the linters")
    test.add_argument(
        "--no-demo", action="store_true", help="skip the install with demo data"
    )
    test.add_argument(
        "--no-host",
        action="store_true",
        help="skip Odoo's own test suites of the modules the addon extends "
        "(hr_timesheet, project, and the bridges beside the apps)",
    )
    test.add_argument(
        "--no-apps",
        action="store_true",
        help="skip the other apps (Sales, Time Off, ...) installed before, after "
        "and with the addon",
    )
    test.epilog = "Other arguments go to pytest, e.g. ./dev test -k settings -x"
    bench = sub.add_parser(
        "bench", help="the benchmark (bench/scenario.py) in scratch databases"
    )
    bench.add_argument(
        "--sizes",
        type=lambda text: [int(size) for size in text.split(",")],
        default=[10000, 50000, 100000],
        help="timesheet lines per run, comma-separated (default 10000,50000,100000)",
    )
    bench.add_argument(
        "--flavours",
        type=lambda text: text.split(","),
        default=["plain", "ours", "sale"],
        help="which databases: plain (hr_timesheet), ours, sale (sale_timesheet)",
    )
    bench.add_argument(
        "--cron-size",
        type=int,
        default=100000,
        help="lines invoiced by the scheduled job (0: skip)",
    )
    bench.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each size and database (with --load: of each number of "
        "employees and flavour); the report gives the medians (default 3)",
    )
    bench.add_argument(
        "--load",
        action="store_true",
        help="instead: the Monday-morning load (bench/load.py) over XML-RPC on "
        "Odoo in prefork mode, plain hr_timesheet and this addon",
    )
    bench.add_argument(
        "--employees",
        type=lambda text: [int(count) for count in text.split(",")],
        default=[40, 200],
        help="with --load: employees per run, comma-separated (default 40,200)",
    )
    bench.add_argument(
        "--workers",
        type=int,
        default=3,
        help="with --load: Odoo's HTTP worker processes (default 3)",
    )
    bench.add_argument(
        "--lookup-rows",
        type=int,
        default=2000000,
        help="timesheet lines in the table where the lines ready to invoice are "
        "looked up, after the smallest size's run (0: skip)",
    )
    sub.add_parser(
        "pot", help="write i18n/hr_timesheet_billing.pot from a fresh install"
    )
    sub.add_parser(
        "screenshots",
        help="take the README screenshots (tests/screenshots.py, fresh demo data)",
    )
    sub.add_parser("lint", help="run ruff, pylint-odoo and the OCA pre-commit checks")
    sub.add_parser("stop", help="stop the private PostgreSQL cluster")
    args, unknown = parser.parse_known_args(argv)
    if unknown and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    args.pytest_args = [arg for arg in unknown if arg != "--"]
    args.argv = argv[1:]
    try:
        return getattr(commands, f"run_{args.command}")(args)
    except (OdooNotFound, PostgresError, RuntimeError) as error:
        print(f"\n[devenv] {error}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(f"\n[devenv] failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
