"""The OCA linters: ruff (check and format), pylint-odoo, oca-odoo-pre-commit-hooks.

Their configuration is in the checkout: ``.ruff.toml``, ``.pylintrc``,
``.oca_hooks.cfg``. Each linter runs even when an earlier one failed, so that one
run shows every problem.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

from odoo_runner import ADDON


def _addon_in_a_repository(checkout, scratch):
    """A copy of the addon as OCA lays it out: ``<repository>/hr_timesheet_billing``.

    oca-checks-odoo-module looks for manifests below the repository's top folder,
    never in it, and knows a module by its folder's name.
    """
    repository = Path(scratch)
    copy = repository / ADDON
    shutil.copytree(
        checkout, copy, symlinks=True, ignore=shutil.ignore_patterns(".devenv", ".git")
    )
    subprocess.run(["git", "init", "-q", str(repository)], check=True)
    return copy


def run(checkout, env):
    with tempfile.TemporaryDirectory(prefix="oca-checks-") as scratch:
        return _run_linters(checkout, env, _addon_in_a_repository(checkout, scratch))


def _run_linters(checkout, env, addon_copy):
    checks = [
        ("ruff check", [env.bin("ruff"), "check", "--no-cache", "."]),
        ("ruff format", [env.bin("ruff"), "format", "--check", "--no-cache", "."]),
        (
            "pylint-odoo",
            [env.bin("pylint"), f"--rcfile={checkout / '.pylintrc'}", checkout],
        ),
        ("oca-checks-odoo-module", [env.bin("oca-checks-odoo-module"), addon_copy]),
    ]
    translations = sorted(str(path) for path in Path(checkout, "i18n").glob("*.po*"))
    if translations:
        checks.append(("oca-checks-po", [env.bin("oca-checks-po"), *translations]))
    failed = []
    for name, command in checks:
        print(f"[lint] {name}", flush=True)
        done = subprocess.run(
            [str(part) for part in command], cwd=checkout, check=False
        )
        if done.returncode:
            failed.append(name)
    if failed:
        print(f"[lint] {ADDON}: failed: {', '.join(failed)}", flush=True)
        return 1
    print("[lint] all linters passed", flush=True)
    return 0
