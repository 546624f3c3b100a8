"""The OCA linters: ruff (check and format), pylint-odoo, oca-odoo-pre-commit-hooks.

Their configuration is in the checkout: ``.ruff.toml``, ``.pylintrc``,
``.oca_hooks.cfg``. Each linter runs even when an earlier one failed, so that one
run shows every problem.
"""

import subprocess
from pathlib import Path

from odoo_runner import ADDON, link_addon


def run(checkout, env):
    addon = link_addon(checkout, checkout / ".devenv")
    checks = [
        ("ruff check", [env.bin("ruff"), "check", "--no-cache", "."]),
        ("ruff format", [env.bin("ruff"), "format", "--check", "--no-cache", "."]),
        (
            "pylint-odoo",
            [env.bin("pylint"), f"--rcfile={checkout / '.pylintrc'}", checkout],
        ),
        # These checks know a module by its folder's name: give them the link
        # that carries the addon's technical name.
        ("oca-checks-odoo-module", [env.bin("oca-checks-odoo-module"), addon]),
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
